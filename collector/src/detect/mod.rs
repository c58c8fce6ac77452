//! Degradation detection: each deployment is compared with its baseline on every
//! evaluation, with sequential tests whose false-alarm rate stays bounded however often
//! they run, and the results drive alerts stored in SQLite.
//!
//! - [`sequential`]: the mixture sequential probability ratio tests.
//! - [`signals`]: per-deployment totals read from the store.
//! - [`detectors`]: the alert rules.
//! - [`lifecycle`]: pending, firing and resolved alerts.
//! - [`evaluator`]: the task that runs them as data arrives.

pub mod detectors;
pub mod evaluator;
mod helplessness;
pub mod lifecycle;
pub mod sequential;
pub mod signals;
pub mod silence;
