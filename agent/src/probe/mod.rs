//! Canary probes: fixed prompts with known right behaviour, sent to a model server and
//! judged, because live traffic carries no labels.
//!
//! - [`suite`] loads and validates suite files and the built-in suites.
//! - [`client`] sends one probe sample as an OpenAI-compatible chat completion.
//! - [`judge`] decides pass or fail for one response.
//! - [`runner`] runs a whole suite with bounded concurrency and rate.
//! - [`report`] summarises a run per category, for `candor-agent probe`.
//! - [`schedule`] runs suites from the agent's config on an interval.

pub mod client;
pub mod judge;
pub mod report;
pub mod runner;
pub mod schedule;
pub mod suite;
