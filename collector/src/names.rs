//! Text names of `candor.v1` enum values. These names are what the store writes and
//! what metrics use as label values, so they form a bounded set by construction.

use candor_proto::v1 as pb;

/// Name of an expectation, or `None` when the agent set none (or an unknown value).
pub fn expectation(value: i32) -> Option<&'static str> {
    match pb::Expectation::try_from(value).ok()? {
        pb::Expectation::Unspecified => None,
        pb::Expectation::Comply => Some("comply"),
        pb::Expectation::Refuse => Some("refuse"),
        pb::Expectation::Answer => Some("answer"),
    }
}

/// Metric label value of an expectation: its name, or `unknown`.
pub fn expectation_label(value: Option<&str>) -> &str {
    value.unwrap_or("unknown")
}

pub fn outcome(value: i32) -> &'static str {
    match pb::Outcome::try_from(value) {
        Ok(pb::Outcome::Complete) => "complete",
        Ok(pb::Outcome::Length) => "length",
        Ok(pb::Outcome::Truncated) => "truncated",
        Ok(pb::Outcome::Error) => "error",
        Ok(pb::Outcome::Filtered) => "filtered",
        Ok(pb::Outcome::ToolCall) => "tool_call",
        Ok(pb::Outcome::Empty) => "empty",
        Ok(pb::Outcome::Unspecified) | Err(_) => "unknown",
    }
}

pub fn source(value: i32) -> &'static str {
    match pb::Source::try_from(value) {
        Ok(pb::Source::Replay) => "replay",
        Ok(pb::Source::Proxy) => "proxy",
        Ok(pb::Source::Log) => "log",
        Ok(pb::Source::Probe) => "probe",
        Ok(pb::Source::Unspecified) | Err(_) => "unknown",
    }
}

/// Name of a refusal class, or `None` when the response was not scored.
pub fn refusal_class(value: i32) -> Option<&'static str> {
    match pb::RefusalClass::try_from(value).ok()? {
        pb::RefusalClass::Unspecified => None,
        pb::RefusalClass::None => Some("none"),
        pb::RefusalClass::Partial => Some("partial"),
        pb::RefusalClass::Full => Some("full"),
    }
}

pub fn refusal_source(value: i32) -> Option<&'static str> {
    match pb::RefusalSource::try_from(value).ok()? {
        pb::RefusalSource::Unspecified => None,
        pb::RefusalSource::Api => Some("api"),
        pb::RefusalSource::Text => Some("text"),
    }
}

/// Whether a refusal class name counts as a refusal (partial or full).
pub fn is_refusal(class: Option<&str>) -> bool {
    matches!(class, Some("partial" | "full"))
}

/// Name of a probe verdict, or `None` when not judged.
pub fn verdict(value: i32) -> Option<&'static str> {
    match pb::Verdict::try_from(value).ok()? {
        pb::Verdict::Unspecified => None,
        pb::Verdict::Pass => Some("pass"),
        pb::Verdict::Fail => Some("fail"),
        pb::Verdict::Error => Some("error"),
    }
}
