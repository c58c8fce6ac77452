//! The ingest protocol seen from a raw gRPC client: Hello first, batches committed at
//! most once, and errors that name the problem while other agents carry on.

mod common;

use std::time::Duration;

use candor_collector::ingest::IngestLimits;
use candor_collector::serve::{Collector, ServeConfig};
use candor_proto::v1::{
    agent_message, collector_message, ingest_client::IngestClient, AgentMessage, CollectorMessage,
    Deployment, Expectation, Hello, Observation, ObservationBatch, Outcome,
};
use common::count;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Streaming};

struct TestCollector {
    url: String,
    db: std::path::PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    dir: tempfile::TempDir,
}

impl TestCollector {
    async fn start(max_message_bytes: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("candor.db");
        let config = ServeConfig {
            db: db.clone(),
            grpc_addr: "127.0.0.1:0".parse().unwrap(),
            http_addr: "127.0.0.1:0".parse().unwrap(),
            limits: IngestLimits {
                max_message_bytes,
                ..IngestLimits::default()
            },
            shutdown_grace: Duration::from_secs(5),
            evaluator: Default::default(),
        };
        let collector = Collector::bind(config).await.unwrap();
        let url = format!("http://{}", collector.grpc_addr());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            collector
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            url,
            db,
            stop: Some(stop),
            task,
            dir,
        }
    }

    /// Stops the collector and returns its directory, which holds the database.
    async fn stop(mut self) -> tempfile::TempDir {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap();
        self.dir
    }
}

/// One open agent stream.
struct Stream {
    requests: mpsc::Sender<AgentMessage>,
    responses: Streaming<CollectorMessage>,
}

async fn open(url: &str) -> Stream {
    let mut client = IngestClient::connect(url.to_string()).await.unwrap();
    let (requests, receiver) = mpsc::channel(16);
    let responses = client
        .stream(ReceiverStream::new(receiver))
        .await
        .unwrap()
        .into_inner();
    Stream {
        requests,
        responses,
    }
}

fn hello(agent_id: &str, boot_id: &str) -> AgentMessage {
    AgentMessage {
        kind: Some(agent_message::Kind::Hello(Hello {
            agent_id: agent_id.into(),
            boot_id: boot_id.into(),
            deployment: Some(Deployment {
                model: "model".into(),
                version: "v1".into(),
                labels: [("variant".to_string(), "tuned".to_string())].into(),
                baseline_version: String::new(),
            }),
            agent_version: "test".into(),
            long_running: false,
        })),
    }
}

fn batch(sequence: u64, observations: usize) -> AgentMessage {
    let observation = Observation {
        record_id: "record".into(),
        expect: Expectation::Comply.into(),
        outcome: Outcome::Complete.into(),
        ..Default::default()
    };
    AgentMessage {
        kind: Some(agent_message::Kind::Batch(ObservationBatch {
            sequence,
            observations: vec![observation; observations],
            dropped: Default::default(),
        })),
    }
}

impl Stream {
    async fn send(&self, message: AgentMessage) {
        self.requests.send(message).await.unwrap();
    }

    async fn next(&mut self) -> Result<collector_message::Kind, tonic::Status> {
        let message = tokio::time::timeout(Duration::from_secs(10), self.responses.message())
            .await
            .expect("collector answers in time")?;
        Ok(message
            .expect("stream is open")
            .kind
            .expect("message has a kind"))
    }

    async fn ack(&mut self) -> candor_proto::v1::Ack {
        match self.next().await.unwrap() {
            collector_message::Kind::Ack(ack) => ack,
            other => panic!("expected Ack, got {other:?}"),
        }
    }

    async fn welcome(&mut self) {
        match self.next().await.unwrap() {
            collector_message::Kind::Welcome(welcome) => assert!(welcome.max_message_bytes > 0),
            other => panic!("expected Welcome, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn resent_batch_is_committed_once() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;

    let mut stream = open(&collector.url).await;
    stream.send(hello("agent-a", "boot-1")).await;
    stream.welcome().await;
    stream.send(batch(1, 10)).await;
    stream.send(batch(1, 10)).await;
    let first = stream.ack().await;
    let second = stream.ack().await;
    assert_eq!(
        (first.sequence, first.stored, first.duplicate),
        (1, 10, false)
    );
    assert_eq!(
        (second.sequence, second.stored, second.duplicate),
        (1, 0, true)
    );
    drop(stream);

    // A reconnection with the same boot id re-sends batch 1 and sends batch 2.
    let mut stream = open(&collector.url).await;
    stream.send(hello("agent-a", "boot-1")).await;
    stream.welcome().await;
    stream.send(batch(1, 10)).await;
    stream.send(batch(2, 5)).await;
    assert!(stream.ack().await.duplicate);
    let ack = stream.ack().await;
    assert_eq!((ack.sequence, ack.stored), (2, 5));

    // A new boot id starts a new sequence, so its batch 1 is new.
    let mut stream = open(&collector.url).await;
    stream.send(hello("agent-a", "boot-2")).await;
    stream.welcome().await;
    stream.send(batch(1, 3)).await;
    assert_eq!(stream.ack().await.stored, 3);

    assert_eq!(count(&collector.db, "observations", ""), 18);
    assert_eq!(count(&collector.db, "batches", ""), 3);
    assert_eq!(count(&collector.db, "agent_boots", ""), 2);
    collector.stop().await;
}

#[tokio::test]
async fn batch_before_hello_is_rejected() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;
    let mut stream = open(&collector.url).await;
    stream.send(batch(1, 2)).await;
    let status = stream.next().await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert!(
        status.message().contains("before Hello"),
        "{}",
        status.message()
    );
    assert_eq!(count(&collector.db, "observations", ""), 0);
    collector.stop().await;
}

#[tokio::test]
async fn invalid_hello_names_the_field() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;
    let mut stream = open(&collector.url).await;
    stream.send(hello("", "boot")).await;
    let status = stream.next().await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("agent_id"),
        "{}",
        status.message()
    );
    collector.stop().await;
}

#[tokio::test]
async fn oversized_batch_fails_only_its_stream() {
    let collector = TestCollector::start(64 * 1024).await;

    let mut healthy = open(&collector.url).await;
    healthy.send(hello("agent-healthy", "boot")).await;
    healthy.welcome().await;

    let mut oversized = open(&collector.url).await;
    oversized.send(hello("agent-big", "boot")).await;
    oversized.welcome().await;
    oversized.send(batch(1, 10_000)).await;
    let status = oversized.next().await.unwrap_err();
    assert!(
        matches!(status.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{status:?}"
    );
    assert!(
        status.message().contains("too large"),
        "{}",
        status.message()
    );

    // The other agent's stream still works, and so do new ones.
    healthy.send(batch(1, 100)).await;
    assert_eq!(healthy.ack().await.stored, 100);
    let mut late = open(&collector.url).await;
    late.send(hello("agent-late", "boot")).await;
    late.welcome().await;
    late.send(batch(1, 1)).await;
    assert_eq!(late.ack().await.stored, 1);

    assert_eq!(count(&collector.db, "observations", ""), 101);
    collector.stop().await;
}

#[tokio::test]
async fn too_many_observations_are_rejected() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;
    let mut stream = open(&collector.url).await;
    stream.send(hello("agent", "boot")).await;
    stream.welcome().await;
    stream.send(batch(1, 10_001)).await;
    let status = stream.next().await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("10001 observations"),
        "{}",
        status.message()
    );
    collector.stop().await;
}

#[tokio::test]
async fn shutdown_ends_streams_as_unavailable() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;
    let mut stream = open(&collector.url).await;
    stream.send(hello("agent", "boot")).await;
    stream.welcome().await;
    stream.send(batch(1, 2)).await;
    assert_eq!(stream.ack().await.stored, 2);
    let db = collector.db.clone();
    let _dir = collector.stop().await;
    let status = stream.next().await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status.message().contains("shutting down"),
        "{}",
        status.message()
    );
    assert_eq!(count(&db, "observations", ""), 2);
}

#[tokio::test]
async fn dedupe_key_stores_record_once() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;
    let keyed = |keys: &[&str], sequence: u64| AgentMessage {
        kind: Some(agent_message::Kind::Batch(ObservationBatch {
            sequence,
            observations: keys
                .iter()
                .map(|key| Observation {
                    dedupe_key: key.to_string(),
                    expect: Expectation::Comply.into(),
                    outcome: Outcome::Complete.into(),
                    ..Default::default()
                })
                .collect(),
            dropped: Default::default(),
        })),
    };

    let mut stream = open(&collector.url).await;
    stream.send(hello("agent", "boot-1")).await;
    stream.welcome().await;
    stream.send(keyed(&["log:a:0", "log:a:10"], 1)).await;
    assert_eq!(stream.ack().await.stored, 2);
    drop(stream);

    // After a restart the agent re-reads one record under a new boot id.
    let mut stream = open(&collector.url).await;
    stream.send(hello("agent", "boot-2")).await;
    stream.welcome().await;
    stream.send(keyed(&["log:a:10", "log:a:20", ""], 1)).await;
    assert_eq!(stream.ack().await.stored, 2);

    assert_eq!(count(&collector.db, "observations", ""), 4);
    collector.stop().await;
}

#[tokio::test]
async fn drop_counts_keep_largest_report() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;
    let with_drops = |sequence: u64, spool_full: u64| AgentMessage {
        kind: Some(agent_message::Kind::Batch(ObservationBatch {
            sequence,
            observations: Vec::new(),
            dropped: [
                ("spool_full".to_string(), spool_full),
                ("made_up".to_string(), 1),
            ]
            .into(),
        })),
    };
    let mut stream = open(&collector.url).await;
    stream.send(hello("agent", "boot-1")).await;
    stream.welcome().await;
    stream.send(with_drops(1, 5)).await;
    stream.send(with_drops(2, 7)).await;
    // A re-sent older batch carries an older, smaller count.
    stream.send(with_drops(1, 3)).await;
    for _ in 0..3 {
        stream.ack().await;
    }
    let stored: i64 = rusqlite::Connection::open(&collector.db)
        .unwrap()
        .query_row(
            "SELECT count FROM agent_drops WHERE reason = 'spool_full'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, 7);
    collector.stop().await;
}

#[tokio::test]
async fn declared_baseline_replaces_previous_version() {
    let collector = TestCollector::start(4 * 1024 * 1024).await;
    let hello_for = |version: &str, baseline: &str| AgentMessage {
        kind: Some(agent_message::Kind::Hello(Hello {
            agent_id: format!("agent-{version}"),
            boot_id: "boot".into(),
            deployment: Some(Deployment {
                model: "model".into(),
                version: version.into(),
                labels: Default::default(),
                baseline_version: baseline.into(),
            }),
            agent_version: "test".into(),
            long_running: false,
        })),
    };
    for (version, baseline) in [("base", ""), ("v1", ""), ("v2", "base")] {
        let mut stream = open(&collector.url).await;
        stream.send(hello_for(version, baseline)).await;
        stream.welcome().await;
    }
    let mut stream = open(&collector.url).await;
    stream.send(hello_for("v3", "v3")).await;
    let status = stream.next().await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("own version"),
        "{}",
        status.message()
    );

    let db = collector.db.clone();
    let _dir = collector.stop().await;
    let summary = candor_collector::read_summary(&db).unwrap();
    let baselines: Vec<(&str, Option<&str>)> = summary
        .iter()
        .map(|row| (row.version.as_str(), row.baseline_version.as_deref()))
        .collect();
    assert_eq!(
        baselines,
        [("base", None), ("v1", Some("base")), ("v2", Some("base"))]
    );
}
