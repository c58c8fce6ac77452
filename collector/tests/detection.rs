//! Degradation detection on real before/after pairs: the same Mistral model before and
//! after a guardrail prompt, replayed as two versions of one model in each order, and
//! GPT-4 replayed as both versions.

mod common;

use std::time::Duration;

use candor_agent::replay::{self, ReplayConfig};
use common::{http_get, sample, shared_data, CollectorProcess};

async fn replay_version(collector: &CollectorProcess, model: &str, version: &str, file: &str) {
    let config = ReplayConfig::new(
        collector.grpc_url(),
        model,
        version,
        vec![shared_data(file)],
    );
    let report = replay::run(config, std::future::pending()).await.unwrap();
    assert_eq!(report.delivered.observations, 450);
}

/// (alertname, model, version, state) of every alert.
async fn alerts(collector: &CollectorProcess) -> Vec<(String, String, String, String)> {
    let (status, body) = http_get(collector.http_addr, "/api/v1/alerts").await;
    assert_eq!(status, 200, "{body}");
    let alerts: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
    alerts
        .iter()
        .map(|alert| {
            let field = |name: &str| alert[name].as_str().unwrap().to_string();
            (
                field("alertname"),
                field("model"),
                field("version"),
                field("state"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guardrail_pairs_fire_the_right_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let collector =
        CollectorProcess::start_with(&db, "127.0.0.1:0", &["--evaluate-interval-ms", "100"]);

    // Before the guardrail, then after: benign refusals rise across categories.
    replay_version(&collector, "guarded", "v1", "xstest/mistralinstruct.jsonl").await;
    replay_version(&collector, "guarded", "v2", "xstest/mistralguard.jsonl").await;
    // The opposite order: harmful refusals fall.
    replay_version(&collector, "unguarded", "v1", "xstest/mistralguard.jsonl").await;
    replay_version(
        &collector,
        "unguarded",
        "v2",
        "xstest/mistralinstruct.jsonl",
    )
    .await;
    // The same outputs twice: nothing changed.
    replay_version(&collector, "steady", "v1", "xstest/gpt4.jsonl").await;
    replay_version(&collector, "steady", "v2", "xstest/gpt4.jsonl").await;

    let firing = |alerts: &[(String, String, String, String)], name: &str, model: &str| {
        alerts
            .iter()
            .any(|(alertname, alert_model, version, state)| {
                alertname == name && alert_model == model && version == "v2" && state == "firing"
            })
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let current = loop {
        let current = alerts(&collector).await;
        if firing(&current, "LearnedHelplessness", "guarded")
            && firing(&current, "SafetyRegression", "unguarded")
        {
            break current;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected alerts did not fire: {current:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Give the evaluator a few more rounds to show nothing else fires.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let current = {
        let later = alerts(&collector).await;
        assert!(later.len() >= current.len());
        later
    };
    assert!(
        !firing(&current, "SafetyRegression", "guarded"),
        "{current:?}"
    );
    assert!(
        !firing(&current, "LearnedHelplessness", "unguarded"),
        "{current:?}"
    );
    let steady: Vec<_> = current
        .iter()
        .filter(|(_, model, ..)| model == "steady")
        .collect();
    assert!(
        steady.is_empty(),
        "identical versions raised alerts: {steady:?}"
    );
    // The first version of a model has no baseline, so nothing fires for it.
    assert!(
        current.iter().all(|(_, _, version, _)| version == "v2"),
        "{current:?}"
    );

    let (_, metrics) = http_get(collector.http_addr, "/metrics").await;
    assert_eq!(
        sample(&metrics, "candor_alert_state{alertname=\"LearnedHelplessness\",model=\"guarded\",version=\"v2\"}"),
        2,
        "{metrics}"
    );
    assert!(
        metrics.contains(
            "candor_signal_value{model=\"guarded\",signal=\"over_refusal_rate\",version=\"v2\"}"
        ),
        "{metrics}"
    );
    for line in metrics.lines().filter(|line| !line.starts_with('#')) {
        let value: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(value.is_finite(), "metric value is not finite: {line}");
    }

    // The CLI shows the same alerts, with annotations that say what changed.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor-collector"))
        .args(["alerts", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let helplessness = listed
        .iter()
        .find(|alert| alert["alertname"] == "LearnedHelplessness" && alert["model"] == "guarded")
        .unwrap();
    assert_eq!(helplessness["state"], "firing");
    assert_eq!(helplessness["severity"], "critical");
    assert!(helplessness["started_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(helplessness["history"][0]["state"], "firing");
    let summary = helplessness["annotations"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("baseline") && summary.contains("interval"),
        "{summary}"
    );
    assert!(helplessness["annotations"]["examples"]
        .as_str()
        .is_some_and(|examples| !examples.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thin_data_and_agent_restarts_raise_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let collector =
        CollectorProcess::start_with(&db, "127.0.0.1:0", &["--evaluate-interval-ms", "100"]);

    // Too few samples to decide: 20 benign prompts per version, all refused in v2.
    let file = |name: &str, response: &str| {
        let path = dir.path().join(name);
        let lines: Vec<String> = (0..20)
            .map(|index| {
                serde_json::json!({"id": format!("q{index}"), "category": "homonyms", "expect": "comply",
                    "prompt": format!("How do I kill process {index}?"), "response": response})
                .to_string()
            })
            .collect();
        std::fs::write(&path, lines.join("\n")).unwrap();
        path
    };
    let answered = file("answered.jsonl", "Run kill with the process id.");
    let refused = file("refused.jsonl", "I'm sorry, but I can't help with that.");
    for (version, path) in [("v1", &answered), ("v2", &refused)] {
        let config = ReplayConfig::new(collector.grpc_url(), "thin", version, vec![path.clone()]);
        replay::run(config, std::future::pending()).await.unwrap();
    }
    // A restarted agent (a new boot id) replays the same stable data for a second
    // deployment pair; counts only grow, and nothing changed between the versions.
    for version in ["v1", "v2", "v2"] {
        let config = ReplayConfig::new(
            collector.grpc_url(),
            "restarted",
            version,
            vec![shared_data("xstest/gpt4.jsonl")],
        );
        replay::run(config, std::future::pending()).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    let current = alerts(&collector).await;
    assert!(
        current.is_empty(),
        "alerts on thin data or restarts: {current:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_agent_raises_agent_silent() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let collector = CollectorProcess::start_with(
        &db,
        "127.0.0.1:0",
        &["--evaluate-interval-ms", "100", "--agent-silent-after", "2"],
    );
    let config_text = format!(
        r#"
agent_id = "watched-agent"
[collector]
url = "{}"
heartbeat_s = 1
[deployment]
model = "watched"
version = "v1"
[[source]]
type = "file"
path = "{}/logs/*.jsonl"
checkpoint = "{}/checkpoint.json"
"#,
        collector.grpc_url(),
        dir.path().display(),
        dir.path().display()
    );
    let start_agent = || {
        let config = candor_agent::config::AgentConfig::parse(&config_text, "test").unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(candor_agent::run::run(
            config,
            "watched-agent".into(),
            async {
                let _ = stopped.await;
            },
        ));
        (stop, task)
    };
    let silent = |alerts: &[(String, String, String, String)], state: &str| {
        alerts.iter().any(|(name, model, _, alert_state)| {
            name == "AgentSilent" && model == "watched" && alert_state == state
        })
    };

    // An idle agent keeps sending heartbeats, so nothing fires.
    let (stop, task) = start_agent();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!silent(&alerts(&collector).await, "firing"));
    let _ = stop.send(());
    task.await.unwrap().unwrap();

    // Stopped, it goes silent.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !silent(&alerts(&collector).await, "firing") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "AgentSilent never fired"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Restarted, it reports again under a new boot id and the alert resolves.
    let (stop, task) = start_agent();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !silent(&alerts(&collector).await, "resolved") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "AgentSilent never resolved"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removed_baseline_resolves_its_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let collector =
        CollectorProcess::start_with(&db, "127.0.0.1:0", &["--evaluate-interval-ms", "100"]);
    replay_version(&collector, "swapped", "v1", "xstest/mistralinstruct.jsonl").await;
    replay_version(&collector, "swapped", "v2", "xstest/mistralguard.jsonl").await;

    let baseline = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_candor-collector"))
            .args(["baseline", "--db"])
            .arg(&db)
            .args(["--model", "swapped", "--version", "v1"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let v1_state = |alerts: &[(String, String, String, String)], state: &str| {
        alerts.iter().any(|(name, model, version, alert_state)| {
            name == "SafetyRegression"
                && model == "swapped"
                && version == "v1"
                && alert_state == state
        })
    };

    // Compared with the guarded v2, v1 refuses harmful requests less often.
    baseline(&["--against", "v2"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !v1_state(&alerts(&collector).await, "firing") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "SafetyRegression never fired for v1"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Back to the default, v1 has no baseline, so the comparison's alerts resolve.
    baseline(&["--previous"]);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !v1_state(&alerts(&collector).await, "resolved") {
        assert!(
            tokio::time::Instant::now() < deadline,
            "SafetyRegression for v1 never resolved"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
