//! The OpenAI-compatible client that sends probe requests: one non-streaming chat
//! completion per sample, parsed by the same code that parses proxied traffic.

use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::json;

use crate::proxy::{parse_exchange, CapturedExchange, ParsedExchange, ResponseEnd};

use super::suite::Probe;

/// Largest response body read, in bytes.
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Sends chat completion requests to one model server.
#[derive(Clone)]
pub struct ProbeClient {
    client: Client<HttpConnector, Full<Bytes>>,
    url: http::Uri,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
}

/// An error that left a probe request without a response to judge.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("invalid endpoint {url:?}: {reason}")]
    InvalidEndpoint { url: String, reason: String },
    #[error("request timed out after {0:?}")]
    TimedOut(Duration),
    #[error("request failed: {0}")]
    Failed(String),
}

impl ProbeClient {
    /// A client for the server at `endpoint` (a base URL such as
    /// `http://127.0.0.1:8000`, or one ending in `/v1` or `/v1/chat/completions`).
    pub fn new(
        endpoint: &str,
        model: &str,
        api_key: Option<String>,
        timeout: Duration,
    ) -> Result<Self, RequestError> {
        let invalid = |reason: &str| RequestError::InvalidEndpoint {
            url: endpoint.to_string(),
            reason: reason.to_string(),
        };
        let base: http::Uri = endpoint
            .parse()
            .map_err(|_| invalid("not a URL; write it as http://HOST:PORT"))?;
        if base.scheme_str() != Some("http") || base.authority().is_none() {
            return Err(invalid(
                "use an http:// URL with a host (TLS is not supported yet)",
            ));
        }
        let path = base.path().trim_end_matches('/');
        let path = if path.ends_with("/chat/completions") {
            path.to_string()
        } else if path.ends_with("/v1") {
            format!("{path}/chat/completions")
        } else {
            format!("{path}/v1/chat/completions")
        };
        let url = http::Uri::builder()
            .scheme("http")
            .authority(base.authority().expect("checked").clone())
            .path_and_query(path)
            .build()
            .map_err(|_| invalid("cannot build the chat completions URL"))?;
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(timeout));
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            url,
            model: model.to_string(),
            api_key,
            timeout,
        })
    }

    pub fn url(&self) -> &http::Uri {
        &self.url
    }

    /// Sends sample `sample_index` of `probe` and parses the response.
    pub async fn send(
        &self,
        probe: &Probe,
        sample_index: u32,
    ) -> Result<ParsedExchange, RequestError> {
        let mut messages = Vec::new();
        if let Some(system) = &probe.system {
            messages.push(json!({"role": "system", "content": system}));
        }
        messages.push(json!({"role": "user", "content": probe.user}));
        let sampling = &probe.sampling;
        let mut body = json!({
            "model": self.model,
            "messages": messages,
            "temperature": sampling.temperature,
            "max_tokens": sampling.max_tokens,
            "stream": false,
        });
        if let Some(seed) = sampling.seed {
            body["seed"] = json!(seed.wrapping_add(u64::from(sample_index)));
        }
        if sampling.logprobs {
            body["logprobs"] = json!(true);
            body["top_logprobs"] = json!(sampling.top_logprobs);
        }
        let request_body = Bytes::from(serde_json::to_vec(&body).expect("JSON values serialize"));

        let mut request =
            http::Request::post(self.url.clone()).header("content-type", "application/json");
        if let Some(key) = &self.api_key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        let request = request
            .body(Full::new(request_body.clone()))
            .map_err(|error| RequestError::Failed(error.to_string()))?;

        let started_at = SystemTime::now();
        let started = Instant::now();
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|error| RequestError::Failed(error.to_string()))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_RESPONSE_BYTES)
                .collect()
                .await
                .map_err(|error| {
                    RequestError::Failed(format!("reading the response failed: {error}"))
                })?
                .to_bytes();
            Ok::<_, RequestError>((parts, body))
        };
        let (parts, response_body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| RequestError::TimedOut(self.timeout))??;
        let header = |name: http::header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string)
        };
        let captured = CapturedExchange {
            path: self.url.path().to_string(),
            request_encoding: None,
            request_body,
            status: parts.status,
            response_content_type: header(http::header::CONTENT_TYPE),
            response_encoding: header(http::header::CONTENT_ENCODING),
            response_body,
            response_end: ResponseEnd::Complete,
            started_at,
            duration: started.elapsed(),
        };
        parse_exchange(&captured)
            .ok_or_else(|| RequestError::Failed("the response could not be parsed".into()))
    }
}
