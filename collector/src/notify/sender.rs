//! The notification sender: posts due outbox rows, retrying timeouts, connection
//! failures and 5xx answers with capped exponential backoff, and giving up on other 4xx
//! answers or after [`MAX_ATTEMPTS`]. Rollback requests carry an `Idempotency-Key`
//! header and an `X-Candor-Signature: sha256=<hex>` HMAC of the body.

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::Rng;
use sha2::Sha256;
use tokio::sync::watch;

use super::NotifyConfig;
use crate::store::outbox::{self, Attempt, Due};
use crate::store::writer::WriterHandle;
use crate::store::{self, now_unix_ms};

/// Attempts before a notification is given up.
pub const MAX_ATTEMPTS: u32 = 10;
/// How often the outbox is checked for due rows.
const POLL: Duration = Duration::from_millis(200);

/// `sha256=<hex>` of the HMAC-SHA256 of `body` under `secret`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

/// Delay before attempt `attempts + 1`: 500 ms doubled per attempt, at most 30 s, with
/// jitter.
fn retry_delay(attempts: u32) -> Duration {
    let ceiling = Duration::from_millis(500)
        .saturating_mul(1 << attempts.min(6))
        .min(Duration::from_secs(30));
    let ceiling_ms = ceiling.as_millis() as u64;
    Duration::from_millis(rand::rng().random_range(ceiling_ms / 2..=ceiling_ms))
}

/// Sends due notifications until `stop` turns true.
pub async fn run(
    db: PathBuf,
    writer: WriterHandle,
    config: NotifyConfig,
    mut stop: watch::Receiver<bool>,
) {
    let mut connector = HttpConnector::new();
    connector.set_connect_timeout(Some(config.timeout));
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(connector);
    let secret = config
        .rollback
        .as_ref()
        .map(|rollback| rollback.secret.clone())
        .unwrap_or_default();
    let mut read_failures = 0u64;
    loop {
        tokio::select! {
            _ = stop.wait_for(|stopping| *stopping) => break,
            () = tokio::time::sleep(POLL) => {}
        }
        let path = db.clone();
        let due = tokio::task::spawn_blocking(move || {
            let connection = store::open_for_reading(&path)?;
            outbox::due(&connection, now_unix_ms(), 50)
        })
        .await
        .expect("reading the outbox does not panic");
        let due = match due {
            Ok(due) => {
                read_failures = 0;
                due
            }
            Err(error) => {
                read_failures += 1;
                // Log the first failure of a run, then every hundredth.
                if read_failures == 1 || read_failures.is_multiple_of(100) {
                    tracing::warn!(%error, read_failures, "Reading the notification outbox failed; retrying");
                }
                continue;
            }
        };
        if due.is_empty() {
            continue;
        }
        let mut attempts = Vec::with_capacity(due.len());
        for notification in &due {
            attempts.push(deliver(&client, notification, &secret, config.timeout).await);
        }
        if let Err(error) = writer.record_attempts(attempts).await {
            tracing::error!(%error, "Recording notification attempts failed; they will be sent again");
        }
    }
}

async fn deliver(
    client: &Client<HttpConnector, Full<Bytes>>,
    notification: &Due,
    secret: &[u8],
    timeout: Duration,
) -> Attempt {
    let id = notification.id;
    let body = Bytes::from(notification.payload.clone());
    let mut request = http::Request::post(notification.target.as_str())
        .header("content-type", "application/json")
        .header("idempotency-key", notification.idempotency_key.as_str());
    if notification.kind == "rollback" {
        request = request.header("x-candor-signature", signature(secret, &body));
    }
    let request = match request.body(Full::new(body)) {
        Ok(request) => request,
        Err(error) => {
            return Attempt::Failed {
                id,
                error: format!("invalid request: {error}"),
            }
        }
    };
    let outcome = tokio::time::timeout(timeout, async {
        let response = client.request(request).await?;
        let status = response.status();
        let _ = response.into_body().collect().await;
        Ok::<_, hyper_util::client::legacy::Error>(status)
    })
    .await;
    let error = match outcome {
        Ok(Ok(status)) if status.is_success() => {
            tracing::info!(kind = %notification.kind, target = %notification.target, key = %notification.idempotency_key, "Notification delivered");
            return Attempt::Delivered { id };
        }
        Ok(Ok(status))
            if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 =>
        {
            let error = format!("{} answered {status}", notification.target);
            tracing::error!(kind = %notification.kind, %error, "Notification rejected; giving up");
            return Attempt::Failed { id, error };
        }
        Ok(Ok(status)) => format!("{} answered {status}", notification.target),
        Ok(Err(error)) => format!("request to {} failed: {error}", notification.target),
        Err(_) => format!(
            "request to {} timed out after {timeout:?}",
            notification.target
        ),
    };
    if notification.attempts + 1 >= MAX_ATTEMPTS {
        tracing::error!(kind = %notification.kind, %error, attempts = notification.attempts + 1, "Notification given up after repeated failures");
        return Attempt::Failed { id, error };
    }
    let next_attempt_ms = now_unix_ms() + retry_delay(notification.attempts).as_millis() as i64;
    tracing::warn!(kind = %notification.kind, %error, attempt = notification.attempts + 1, "Notification failed; retrying");
    Attempt::Retry {
        id,
        next_attempt_ms,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_known_hmac() {
        // HMAC-SHA256 test case 2 of RFC 4231.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn retry_delay_grows_and_is_capped() {
        assert!(retry_delay(0) <= Duration::from_millis(500));
        assert!(retry_delay(20) <= Duration::from_secs(30));
        assert!(retry_delay(20) >= Duration::from_secs(15));
    }
}
