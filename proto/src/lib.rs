//! Generated Rust types and gRPC stubs for the `candor.v1` protocol, which agents use to
//! stream scored observations to a collector. The source of truth is
//! `candor/v1/ingest.proto` in this crate.

/// The `candor.v1` protobuf package.
pub mod v1 {
    tonic::include_proto!("candor.v1");
}
