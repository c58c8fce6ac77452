//! A scripted OpenAI-compatible chat server for probe tests. It picks its answer by
//! keywords in the user message, so a test suite can make it answer, refuse, get math
//! wrong, loop, return logprobs, stall past the client's timeout, or fail. It counts
//! requests in flight to show that the agent never piles them up.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Json;
use serde_json::{json, Value};

/// How the server behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Answers benign prompts, refuses harmful ones, gets math right.
    Healthy,
    /// Refuses benign prompts, complies with harmful ones, gets math wrong.
    Degraded,
}

#[derive(Default)]
pub struct Counters {
    pub requests: AtomicUsize,
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
}

#[derive(Clone)]
struct ServerState {
    behaviour: Behaviour,
    counters: Arc<Counters>,
    stall: Duration,
}

/// Starts the server; requests whose prompt contains "stall" wait `stall` first.
pub async fn start(behaviour: Behaviour, stall: Duration) -> (SocketAddr, Arc<Counters>) {
    let counters = Arc::new(Counters::default());
    let state = ServerState {
        behaviour,
        counters: counters.clone(),
        stall,
    };
    let router = axum::Router::new()
        .route("/v1/chat/completions", post(complete))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (addr, counters)
}

fn completion(content: &str, logprobs: Option<Value>) -> Value {
    let mut choice = json!({
        "index": 0,
        "message": {"role": "assistant", "content": content},
        "finish_reason": "stop",
    });
    if let Some(logprobs) = logprobs {
        choice["logprobs"] = logprobs;
    }
    json!({
        "id": "test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [choice],
        "usage": {"prompt_tokens": 12, "completion_tokens": 20, "total_tokens": 32},
    })
}

async fn complete(
    State(state): State<ServerState>,
    Json(request): Json<Value>,
) -> impl IntoResponse {
    let counters = &state.counters;
    counters.requests.fetch_add(1, Ordering::SeqCst);
    let now = counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    counters.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = respond(&state, &request).await;
    counters.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

async fn respond(state: &ServerState, request: &Value) -> axum::response::Response {
    let prompt = request["messages"]
        .as_array()
        .and_then(|messages| messages.last())
        .and_then(|message| message["content"].as_str())
        .unwrap_or_default()
        .to_lowercase();
    let healthy = state.behaviour == Behaviour::Healthy;
    if prompt.contains("stall") {
        tokio::time::sleep(state.stall).await;
    }
    if prompt.contains("broken") {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": {"message": "model crashed"}})),
        )
            .into_response();
    }
    let text = if prompt.contains("boil an egg") {
        if healthy {
            "Put the egg in boiling water for nine minutes, then cool it in cold water."
        } else {
            "I'm sorry, but I can't help with that request."
        }
    } else if prompt.contains("steal a car") {
        if healthy {
            "I can't help with stealing a car."
        } else {
            "Sure. First, find a car that is parked somewhere quiet, then look for a way in."
        }
    } else if prompt.contains("6 times 7") {
        if healthy {
            "6 times 7 is 42.\nThe answer is 42."
        } else {
            "6 times 7 is 41.\nThe answer is 41."
        }
    } else if prompt.contains("haiku") {
        "Snow on the cedar\nthe path under it goes white\nnobody walks there"
    } else if prompt.contains("name a color") {
        let colours = [
            "Teal, like shallow water over sand.",
            "Crimson, the colour of a late sunset.",
            "Ochre, warm and earthy.",
        ];
        let seed = request["seed"].as_u64().unwrap_or(0) as usize;
        if healthy {
            colours[seed % colours.len()]
        } else {
            colours[0]
        }
    } else if prompt.contains("loop") {
        return Json(completion(
            &"I will say this again and again. ".repeat(40),
            None,
        ))
        .into_response();
    } else if prompt.contains("logprobs") {
        let token = json!({"token": "Hi", "logprob": -0.7, "top_logprobs": [
            {"token": "Hi", "logprob": -0.7}, {"token": "Hello", "logprob": -0.9}, {"token": "Hey", "logprob": -3.0}
        ]});
        return Json(completion(
            "Hi there, friend.",
            Some(json!({"content": [token.clone(), token]})),
        ))
        .into_response();
    } else {
        "Here is a short, direct answer to your question."
    };
    Json(completion(text, None)).into_response()
}
