//! The `proxy` source's scoring side: a task that takes captured exchanges from the
//! proxy's bounded queue, parses and scores them, and passes one observation per
//! choice to the batcher. It runs apart from forwarding, so a slow scorer only fills
//! the queue, and the proxy then drops and counts instead of waiting.

use tokio::sync::mpsc;

use candor_proto::v1 as pb;

use crate::deliver::batcher::Item;
use crate::proxy::{parse_exchange, CapturedExchange, ParsedExchange};
use crate::score::{Exchange, RefusalClassifier, Scorer};
use crate::wire;
use std::sync::Arc;

/// Scores captured exchanges until the proxy's queue closes or the batcher goes away.
/// Scoring one exchange takes tens of microseconds, so it runs as a task on the
/// agent's runtime; a separate thread would add a cross-thread wake-up per request.
pub async fn run_scoring(
    mut captured: mpsc::Receiver<CapturedExchange>,
    items: mpsc::Sender<Item>,
    classifier: Arc<RefusalClassifier>,
) {
    let mut scorer = Scorer::with_classifier(classifier);
    while let Some(exchange) = captured.recv().await {
        let Some(parsed) = parse_exchange(&exchange) else {
            continue;
        };
        for observation in observe(&mut scorer, &parsed) {
            let item = Item {
                observation,
                on_ack: None,
            };
            if items.send(item).await.is_err() {
                return;
            }
        }
    }
}

/// Scores every choice of an exchange. Usage belongs to the whole request, so it is
/// attached to the first choice only, which keeps token sums right.
fn observe(scorer: &mut Scorer, parsed: &ParsedExchange) -> Vec<pb::Observation> {
    let observed_at = parsed
        .started_at
        .checked_add(parsed.latency)
        .and_then(|end| end.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or_else(wire::now_unix_ms, |since| since.as_millis() as i64);
    let latency_ms = u32::try_from(parsed.latency.as_millis()).unwrap_or(u32::MAX);
    parsed
        .choices
        .iter()
        .enumerate()
        .map(|(index, choice)| {
            let scores = scorer.score_exchange(&Exchange {
                prompt: Some(&parsed.prompt),
                response: &choice.text,
                api_refusal: choice.api_refusal.as_deref(),
                finish_reason: choice.finish_reason.as_deref(),
                token_entropy: choice.token_entropy,
                transport_outcome: Some(choice.outcome),
            });
            let mut observation = pb::Observation {
                source: pb::Source::Proxy.into(),
                observed_at_unix_ms: observed_at,
                latency_ms,
                ..Default::default()
            };
            if index == 0 {
                observation.prompt_tokens = parsed.prompt_tokens.unwrap_or(0);
                observation.completion_tokens = parsed.completion_tokens.unwrap_or(0);
            }
            wire::fill_scores(&mut observation, &scores);
            observation
        })
        .collect()
}
