//! The `run` command: the long-running agent. It wires the configured sources to the
//! batchers, the spool and the delivery task, serves the agent's own `/metrics` and
//! `/healthz`, and stops in one order on shutdown:
//!
//! 1. proxies stop accepting and finish in-flight requests, file tailers stop reading,
//!    probe schedules stop (a run in progress is abandoned);
//! 2. scoring drains, batchers flush their partial batches;
//! 3. delivery gets `collector.shutdown_grace_ms` to have the queued batches
//!    acknowledged, and what is still unacknowledged goes to the spool (or is counted
//!    as dropped without one);
//! 4. file checkpoints are saved with what was acknowledged.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use candor_proto::v1 as pb;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::{AgentConfig, SourceConfig};
use crate::deliver::batcher::{self, BatcherConfig, Outlet};
use crate::deliver::spool::Spool;
use crate::deliver::{Delivery, DeliveryConfig, DropCounts, DropReason, Outgoing};
use crate::metrics::AgentMetrics;
use crate::probe::client::ProbeClient;
use crate::probe::runner::RunLimits;
use crate::probe::schedule::{run_schedule, Schedule, ScheduleMetrics};
use crate::probe::suite::Suite;
use crate::proxy::{ExchangeSink, Proxy, ProxyConfig, ProxyMetrics};
use crate::score::RefusalClassifier;
use crate::sources::file::FileSource;
use crate::sources::proxy::run_scoring;

/// Observations waiting between a source and its batcher.
const ITEM_QUEUE: usize = 4096;

/// An error that kept the agent from starting.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start delivery: {0}")]
    Delivery(#[from] crate::deliver::DeliveryError),
    #[error("cannot open the spool folder {path}")]
    Spool {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot start the file source for {path}")]
    FileSource {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot set up a probe suite: {0}")]
    Probe(crate::probe::client::RequestError),
    #[error("metrics registry: {0}")]
    Metrics(#[from] prometheus::Error),
}

/// Saves batches the collector did not acknowledge before shutdown: to the spool, which
/// the next start delivers, or else counts them as dropped. Log records among them are
/// re-read after a restart either way, since their checkpoint did not move.
fn keep_unacknowledged(leftovers: Vec<Outgoing>, spool: Option<&Spool>, drops: &DropCounts) {
    let mut spooled = 0usize;
    let mut dropped = 0u64;
    for outgoing in leftovers {
        let observations = outgoing.observations.len() as u64;
        let kept = match spool {
            Some(spool) => spool.push(outgoing).is_ok(),
            None => false,
        };
        if kept {
            spooled += 1;
        } else {
            dropped += observations;
        }
    }
    if spooled > 0 {
        tracing::info!(
            batches = spooled,
            "Spooled batches not acknowledged before shutdown; the next start delivers them"
        );
    }
    if dropped > 0 {
        drops.add(DropReason::ShutdownUnacknowledged, dropped);
        tracing::error!(observations = dropped, "Observations not acknowledged before shutdown were dropped; set collector.spool_dir to keep them");
    }
}

/// Runs the agent until `shutdown` completes.
pub async fn run(
    config: AgentConfig,
    agent_id: String,
    shutdown: impl Future<Output = ()>,
) -> Result<(), RunError> {
    let metrics = Arc::new(AgentMetrics::new()?);
    let drops = Arc::new(DropCounts::with_metric(metrics.dropped.clone()));

    let deployment = pb::Deployment {
        model: config.deployment.model.clone(),
        version: config.deployment.version.clone(),
        labels: config.deployment.labels.clone().into_iter().collect(),
        baseline_version: config
            .deployment
            .baseline_version
            .clone()
            .unwrap_or_default(),
    };
    let mut delivery_config =
        DeliveryConfig::new(config.collector.url.clone(), agent_id, deployment);
    delivery_config.queue_batches = config.collector.queue_batches;
    delivery_config.max_in_flight = config.collector.max_in_flight;
    // A long-running agent keeps trying; the spool and drop counts bound what it holds.
    delivery_config.give_up_after = Duration::from_secs(100 * 365 * 24 * 3600);
    delivery_config.drops = drops.clone();
    delivery_config.hello.long_running = true;
    let delivery = Delivery::start(delivery_config)?;
    let sender = delivery.sender();
    // An empty batch while idle tells the collector this agent is alive; when the queue
    // is busy, real batches do that.
    let heartbeat_sender = sender.clone();
    let heartbeat_interval = Duration::from_secs(config.collector.heartbeat_s);
    let heartbeat = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(heartbeat_interval);
        loop {
            ticks.tick().await;
            if heartbeat_sender.queued() == 0 {
                let _ = heartbeat_sender.try_send(Outgoing::from(Vec::new()));
            }
        }
    });

    let spool = match &config.collector.spool_dir {
        Some(dir) => Some(Arc::new(
            Spool::open(dir, config.collector.spool_max_bytes).map_err(|source| {
                RunError::Spool {
                    path: dir.display().to_string(),
                    source,
                }
            })?,
        )),
        None => None,
    };
    let feeder = spool
        .clone()
        .map(|spool| tokio::spawn(spool.feed(sender.clone())));

    let batcher_config = BatcherConfig {
        max_observations: config.collector.batch_max_observations,
        max_delay: Duration::from_millis(config.collector.batch_max_delay_ms),
    };
    let (stop_sender, stop) = watch::channel(false);
    // One compiled classifier serves every source and probe schedule.
    let classifier = Arc::new(RefusalClassifier::new());
    let mut proxies: Vec<JoinHandle<std::io::Result<()>>> = Vec::new();
    let mut scorers = Vec::new();
    let mut file_sources = Vec::new();
    let mut batchers = Vec::new();

    for source in &config.sources {
        let (items, item_receiver) = mpsc::channel(ITEM_QUEUE);
        match source {
            SourceConfig::Proxy(proxy_config) => {
                let outlet = Outlet::Spill {
                    sender: sender.clone(),
                    spool: spool.clone(),
                    drops: drops.clone(),
                };
                batchers.push(tokio::spawn(batcher::run(
                    item_receiver,
                    batcher_config,
                    outlet,
                )));
                let (captured, captured_receiver) = mpsc::channel(proxy_config.score_queue);
                scorers.push(tokio::spawn(run_scoring(
                    captured_receiver,
                    items,
                    classifier.clone(),
                )));
                let proxy_metrics = ProxyMetrics::register(&metrics.registry)?;
                let sink = ExchangeSink::new(captured, drops.clone(), proxy_metrics);
                let upstream = proxy_config.upstream.parse().expect("validated at load");
                let mut settings = ProxyConfig::new(proxy_config.listen_addr(), upstream);
                settings.max_capture_bytes = proxy_config.max_capture_bytes;
                settings.connect_timeout = Duration::from_millis(proxy_config.connect_timeout_ms);
                let proxy = Proxy::bind(settings)
                    .await
                    .map_err(|source| RunError::Listen {
                        addr: proxy_config.listen.clone(),
                        source,
                    })?;
                let mut proxy_stop = stop.clone();
                proxies.push(tokio::spawn(proxy.run(sink, async move {
                    let _ = proxy_stop.wait_for(|stopping| *stopping).await;
                })));
            }
            SourceConfig::File(file_config) => {
                batchers.push(tokio::spawn(batcher::run(
                    item_receiver,
                    batcher_config,
                    Outlet::Wait(sender.clone()),
                )));
                let file_source = FileSource::start(
                    file_config.clone(),
                    config.deployment.model.clone(),
                    items,
                    classifier.clone(),
                )
                .map_err(|source| RunError::FileSource {
                    path: file_config.path.clone(),
                    source,
                })?;
                file_sources.push(file_source);
            }
        }
    }

    let schedule_metrics = (!config.probe_suites.is_empty())
        .then(|| ScheduleMetrics::register(&metrics.registry))
        .transpose()?;
    let mut schedules = Vec::new();
    for probe in &config.probe_suites {
        let suite = Suite::load(&probe.suite).expect("validated at load");
        let api_key = probe
            .api_key_env
            .as_ref()
            .and_then(|variable| std::env::var(variable).ok());
        let model = probe
            .model
            .clone()
            .unwrap_or_else(|| config.deployment.model.clone());
        let client = ProbeClient::new(
            &probe.endpoint,
            &model,
            api_key,
            Duration::from_millis(probe.request_timeout_ms),
        )
        .map_err(RunError::Probe)?;
        let schedule = Schedule {
            suite: Arc::new(suite),
            client,
            limits: RunLimits {
                concurrency: probe.concurrency,
                max_requests_per_second: Some(probe.max_requests_per_second),
            },
            interval: Duration::from_secs(probe.interval_s),
            jitter: Duration::from_secs(probe.jitter_s),
        };
        let (items, item_receiver) = mpsc::channel(ITEM_QUEUE);
        batchers.push(tokio::spawn(batcher::run(
            item_receiver,
            batcher_config,
            Outlet::Wait(sender.clone()),
        )));
        schedules.push(tokio::spawn(run_schedule(
            schedule,
            classifier.clone(),
            items,
            schedule_metrics
                .clone()
                .expect("registered when suites exist"),
            stop.clone(),
        )));
    }

    let mut progress = delivery.progress();
    let progress_metrics = metrics.clone();
    let progress_task = tokio::spawn(async move {
        while progress.changed().await.is_ok() {
            let current = *progress.borrow();
            progress_metrics.set_delivered(&current);
        }
    });

    let http = match &config.metrics {
        Some(metrics_config) => {
            let addr = metrics_config.listen_addr();
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| RunError::Listen {
                    addr: addr.to_string(),
                    source,
                })?;
            let router =
                crate::http::router(metrics.clone(), sender.clone(), spool.clone(), stop.clone());
            let mut http_stop = stop.clone();
            Some(tokio::spawn(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = http_stop.wait_for(|stopping| *stopping).await;
                    })
                    .await;
            }))
        }
        None => None,
    };
    drop(sender);
    tracing::info!(
        sources = config.sources.len(),
        probe_suites = config.probe_suites.len(),
        "Agent started"
    );

    shutdown.await;
    tracing::info!("Agent shutting down");
    stop_sender.send_replace(true);

    for proxy in proxies {
        if let Ok(Err(error)) = proxy.await {
            tracing::error!(%error, "Proxy stopped with an error");
        }
    }
    let acknowledged: Vec<_> = file_sources.into_iter().map(FileSource::stop).collect();
    for schedule in schedules {
        let _ = schedule.await;
    }
    for scorer in scorers {
        let _ = scorer.await;
    }
    for batcher in batchers {
        let _ = batcher.await;
    }
    if let Some(feeder) = feeder {
        feeder.abort();
        let _ = feeder.await;
    }
    heartbeat.abort();
    let _ = heartbeat.await;
    let grace = Duration::from_millis(config.collector.shutdown_grace_ms);
    let (result, leftovers) = delivery.finish_within(grace).await;
    match result {
        Ok(progress) => tracing::info!(delivered = progress.observations, "Delivery finished"),
        Err(error) => tracing::warn!(%error, "Delivery did not finish before shutdown"),
    }
    keep_unacknowledged(leftovers, spool.as_deref(), &drops);
    for checkpoint in acknowledged {
        checkpoint.save();
    }
    progress_task.abort();
    if let Some(http) = http {
        let _ = http.await;
    }
    tracing::info!("Agent stopped");
    Ok(())
}
