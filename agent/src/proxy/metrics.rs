//! The proxy's Prometheus counters and its rate-limited warnings. Every label value comes
//! from a fixed enum here, never from request data, so the series count stays bounded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus::{IntCounter, IntCounterVec, Opts, Registry};

/// Which API a request went to, as a metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndpointLabel {
    Chat,
    Completions,
    Other,
}

impl EndpointLabel {
    const ALL: [Self; 3] = [Self::Chat, Self::Completions, Self::Other];

    fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Completions => "completions",
            Self::Other => "other",
        }
    }
}

/// Why the proxy could not get a whole response from the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpstreamErrorKind {
    /// The TCP connection to the upstream failed.
    Connect,
    /// Connecting to the upstream took longer than the connect timeout.
    Timeout,
    /// The upstream closed or broke the connection after it was made.
    Reset,
}

impl UpstreamErrorKind {
    const ALL: [Self; 3] = [Self::Connect, Self::Timeout, Self::Reset];

    fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Reset => "reset",
        }
    }
}

const CODE_CLASSES: [&str; 5] = ["2xx", "3xx", "4xx", "5xx", "error"];

/// The proxy's counters. Cloning shares the counters.
#[derive(Clone)]
pub struct ProxyMetrics {
    requests: IntCounterVec,
    upstream_errors: IntCounterVec,
    observed: IntCounter,
    warnings: Arc<WarnLimiter>,
}

impl ProxyMetrics {
    /// Creates the counters and registers them in `registry`. All label combinations
    /// start at 0, so a rate over them is defined from the first scrape.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let requests = IntCounterVec::new(
            Opts::new(
                "candor_agent_proxy_requests_total",
                "Requests forwarded by the proxy, by endpoint and response status class \
                 (error: no response from the upstream).",
            ),
            &["endpoint", "code_class"],
        )?;
        let upstream_errors = IntCounterVec::new(
            Opts::new(
                "candor_agent_proxy_upstream_errors_total",
                "Upstream failures seen by the proxy, by kind.",
            ),
            &["kind"],
        )?;
        let observed = IntCounter::new(
            "candor_agent_proxy_observed_total",
            "Chat and completion exchanges that the proxy queued for scoring.",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(upstream_errors.clone()))?;
        registry.register(Box::new(observed.clone()))?;
        for endpoint in EndpointLabel::ALL {
            for class in CODE_CLASSES {
                requests.with_label_values(&[endpoint.as_str(), class]);
            }
        }
        for kind in UpstreamErrorKind::ALL {
            upstream_errors.with_label_values(&[kind.as_str()]);
        }
        Ok(Self {
            requests,
            upstream_errors,
            observed,
            warnings: Arc::default(),
        })
    }

    /// Counts one request by the status the client got, or `None` when the upstream sent
    /// no response.
    pub(crate) fn count_request(&self, endpoint: EndpointLabel, status: Option<u16>) {
        let class = match status {
            Some(200..=299) => "2xx",
            Some(300..=399) => "3xx",
            Some(400..=499) => "4xx",
            Some(500..=599) => "5xx",
            _ => "error",
        };
        self.requests
            .with_label_values(&[endpoint.as_str(), class])
            .inc();
    }

    /// Counts an upstream failure and logs it at WARN, at most once per interval.
    pub(crate) fn upstream_error(&self, kind: UpstreamErrorKind, error: &dyn std::error::Error) {
        self.upstream_errors
            .with_label_values(&[kind.as_str()])
            .inc();
        if let Some(suppressed) = self.warnings.allow() {
            tracing::warn!(
                kind = kind.as_str(),
                error = %ErrorChain(error),
                suppressed,
                "upstream request failed"
            );
        }
    }

    pub(crate) fn count_observed(&self) {
        self.observed.inc();
    }

    #[cfg(test)]
    pub(crate) fn requests(&self, endpoint: EndpointLabel, code_class: &str) -> u64 {
        self.requests
            .with_label_values(&[endpoint.as_str(), code_class])
            .get()
    }

    #[cfg(test)]
    pub(crate) fn upstream_errors(&self, kind: UpstreamErrorKind) -> u64 {
        self.upstream_errors
            .with_label_values(&[kind.as_str()])
            .get()
    }

    #[cfg(test)]
    pub(crate) fn observed(&self) -> u64 {
        self.observed.get()
    }
}

/// An error followed by its sources, separated by ": ".
struct ErrorChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

/// Lets one warning through per interval and counts the ones it held back.
#[derive(Debug, Default)]
struct WarnLimiter {
    /// Unix time in seconds of the last warning let through.
    last_secs: AtomicU64,
    suppressed: AtomicU64,
}

impl WarnLimiter {
    const INTERVAL_SECS: u64 = 10;

    /// Returns the number of warnings held back since the last one, or `None` when this
    /// warning is to be held back too.
    fn allow(&self) -> Option<u64> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs());
        let last = self.last_secs.load(Ordering::Relaxed);
        let due = last == 0 || now >= last + Self::INTERVAL_SECS;
        if due
            && self
                .last_secs
                .compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::Relaxed));
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_lets_first_warning_through() {
        let limiter = WarnLimiter::default();
        assert_eq!(limiter.allow(), Some(0));
        assert_eq!(limiter.allow(), None);
        assert_eq!(limiter.allow(), None);
        assert_eq!(limiter.suppressed.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn all_label_combinations_start_at_zero() {
        let registry = Registry::new();
        ProxyMetrics::register(&registry).unwrap();
        let families = registry.gather();
        let requests = families
            .iter()
            .find(|family| family.name() == "candor_agent_proxy_requests_total")
            .unwrap();
        assert_eq!(requests.get_metric().len(), 15);
    }
}
