//! The candor agent: scores model responses (refusal class and lexical signals) and
//! streams the observations to a candor collector over gRPC.
//!
//! - [`input`] reads recorded interactions from JSONL and CSV files.
//! - [`score`] computes the scores of one response.
//! - [`deliver`] streams observation batches to the collector and re-sends what was not
//!   acknowledged.
//! - [`replay`] ties the three together for the `replay` command.
//! - [`score_files`] and [`evaluate`] run the `score` command, which needs no collector.

pub mod config;
pub mod deliver;
pub mod evaluate;
pub mod http;
pub mod input;
pub mod metrics;
pub mod probe;
pub mod proxy;
pub mod replay;
pub mod run;
pub mod score;
pub mod score_files;
pub mod sources;
pub mod wire;
