//! End to end on real model outputs: the agent replays the XSTest completions of three
//! models over real gRPC into the real collector binary, and the database, `/metrics`
//! and `summary` must all agree.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use candor_agent::replay::{self, ReplayConfig};
use common::{count, http_get, sample, shared_data, CollectorProcess};

const MODELS: [&str; 3] = ["gpt4", "mistralinstruct", "mistralguard"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xstest_replay_stores_each_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("candor.db");
    let collector = CollectorProcess::start(&db, "127.0.0.1:0");

    for model in MODELS {
        let file = shared_data(&format!("xstest/{model}.jsonl"));
        let config = ReplayConfig::new(collector.grpc_url(), "xstest", model, vec![file]);
        let report = replay::run(config, std::future::pending()).await.unwrap();
        assert_eq!(report.read, 450, "{model}");
        assert_eq!(report.skipped, 0, "{model}");
        assert_eq!(report.delivered.observations, 450, "{model}");
        assert_eq!(report.delivered.stored, 450, "{model}");
    }

    assert_eq!(count(&db, "observations", ""), 1350);
    assert_eq!(count(&db, "deployments", ""), 3);

    // Every counter on /metrics equals the matching count in the database.
    let (status, metrics) = http_get(collector.http_addr, "/metrics").await;
    assert_eq!(status, 200);
    let connection = rusqlite::Connection::open(&db).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT d.version, COALESCE(o.expect, 'unknown'), o.refusal, COUNT(*)
             FROM observations o JOIN deployments d ON d.id = o.deployment_id
             GROUP BY 1, 2, 3",
        )
        .unwrap();
    let mut responses: BTreeMap<(String, String), u64> = BTreeMap::new();
    let rows = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
                row.get::<_, i64>(3)? as u64,
            ))
        })
        .unwrap();
    for row in rows {
        let (version, expect, refusal, stored) = row.unwrap();
        *responses
            .entry((version.clone(), expect.clone()))
            .or_default() += stored;
        if let Some(class @ ("partial" | "full")) = refusal.as_deref() {
            let series = format!(
                "candor_refusals_total{{class=\"{class}\",expect=\"{expect}\",model=\"xstest\",version=\"{version}\"}}"
            );
            assert_eq!(sample(&metrics, &series), stored, "{series}");
        }
    }
    assert_eq!(responses.values().sum::<u64>(), 1350);
    for ((version, expect), stored) in &responses {
        let series = format!(
            "candor_responses_total{{expect=\"{expect}\",model=\"xstest\",version=\"{version}\"}}"
        );
        assert_eq!(sample(&metrics, &series), *stored, "{series}");
    }

    let (status, body) = http_get(collector.http_addr, "/healthz").await;
    assert_eq!((status, body.trim()), (200, "ok"));

    // The summary lists the three deployments, in replay order, with rates that match
    // the database.
    let output = Command::new(env!("CARGO_BIN_EXE_candor-collector"))
        .args(["summary", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let versions: Vec<&str> = summary
        .iter()
        .map(|row| row["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, MODELS);
    // Without a declared baseline, each version is compared with the previous one.
    let baselines: Vec<Option<&str>> = summary
        .iter()
        .map(|row| row["baseline_version"].as_str())
        .collect();
    assert_eq!(baselines, [None, Some("gpt4"), Some("mistralinstruct")]);
    for row in &summary {
        let version = row["version"].as_str().unwrap();
        assert_eq!(row["model"], "xstest");
        assert_eq!(row["responses"], 450);
        let rate = |expect: &str| -> f64 {
            let refused = count(
                &db,
                "observations o JOIN deployments d ON d.id = o.deployment_id",
                &format!("d.version = '{version}' AND o.expect = '{expect}' AND o.refusal IN ('partial', 'full')"),
            );
            let total = count(
                &db,
                "observations o JOIN deployments d ON d.id = o.deployment_id",
                &format!(
                    "d.version = '{version}' AND o.expect = '{expect}' AND o.refusal IS NOT NULL"
                ),
            );
            refused as f64 / total as f64
        };
        let over_refusal = row["over_refusal_rate"].as_f64().unwrap();
        let harmful_refusal = row["harmful_refusal_rate"].as_f64().unwrap();
        assert!((over_refusal - rate("comply")).abs() < 1e-12, "{version}");
        assert!(
            (harmful_refusal - rate("refuse")).abs() < 1e-12,
            "{version}"
        );
        assert!(row["refusal_rate"].as_f64().unwrap() > 0.0, "{version}");
        assert!(
            row["mean_word_entropy_bits"].as_f64().unwrap() > 1.0,
            "{version}"
        );
    }
    // The guardrail raised refusals of harmful and of benign prompts alike.
    let rate_of = |version: &str, field: &str| {
        summary
            .iter()
            .find(|row| row["version"] == version)
            .unwrap()[field]
            .as_f64()
            .unwrap()
    };
    assert!(
        rate_of("mistralguard", "harmful_refusal_rate")
            > rate_of("mistralinstruct", "harmful_refusal_rate")
    );
    assert!(
        rate_of("mistralguard", "over_refusal_rate")
            > rate_of("mistralinstruct", "over_refusal_rate")
    );

    let status = collector.terminate();
    assert!(status.success(), "collector exit status {status}");

    // An operator declares another baseline, and can return to the default.
    let baseline = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_candor-collector"))
            .args(["baseline", "--db"])
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let declared = baseline(&[
        "--model",
        "xstest",
        "--version",
        "mistralguard",
        "--against",
        "gpt4",
    ]);
    assert!(
        declared.status.success(),
        "{}",
        String::from_utf8_lossy(&declared.stderr)
    );
    let rows = candor_collector::read_summary(&db).unwrap();
    assert_eq!(rows[2].baseline_version.as_deref(), Some("gpt4"));
    let reset = baseline(&[
        "--model",
        "xstest",
        "--version",
        "mistralguard",
        "--previous",
    ]);
    assert!(reset.status.success());
    let rows = candor_collector::read_summary(&db).unwrap();
    assert_eq!(rows[2].baseline_version.as_deref(), Some("mistralinstruct"));
    let unknown = baseline(&[
        "--model",
        "xstest",
        "--version",
        "nope",
        "--against",
        "gpt4",
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("deployment xstest nope not found"));
    let typo = baseline(&[
        "--model",
        "xstest",
        "--version",
        "gpt4",
        "--against",
        "gtp4",
    ]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("deployment xstest gtp4 not found"));
}
