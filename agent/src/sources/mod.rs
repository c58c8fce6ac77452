//! Sources of observations for `candor-agent run`: the reverse proxy in front of a model
//! server and the tailer of response logs.

pub mod file;
pub mod proxy;
