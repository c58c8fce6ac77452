use super::*;

const MINIMAL: &str = r#"
[collector]
url = "http://127.0.0.1:4770"

[deployment]
model = "m"
version = "v1"

[[source]]
type = "proxy"
listen = "127.0.0.1:8080"
upstream = "http://127.0.0.1:8000"
"#;

fn error_of(text: &str) -> String {
    AgentConfig::parse(text, "agent.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn example_config_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/agent.toml");
    let config = AgentConfig::load(&path).unwrap();
    assert_eq!(config.deployment.model, "llama-3.1-8b-instruct");
    assert_eq!(config.deployment.labels["variant"], "tuned");
    assert_eq!(config.sources.len(), 2);
    assert!(matches!(config.sources[0], SourceConfig::Proxy(_)));
    let SourceConfig::File(file) = &config.sources[1] else {
        panic!("second source is not a file source");
    };
    assert_eq!(file.model_pointer.as_deref(), Some("/response/model"));
    assert!(config.metrics.is_some());
}

#[test]
fn minimal_config_gets_defaults() {
    let config = AgentConfig::parse(MINIMAL, "agent.toml").unwrap();
    assert_eq!(config.collector.queue_batches, 64);
    assert_eq!(config.collector.batch_max_observations, 256);
    assert!(config.collector.spool_dir.is_none());
    let SourceConfig::Proxy(proxy) = &config.sources[0] else {
        panic!("not a proxy source");
    };
    assert_eq!(proxy.score_queue, 1024);
}

/// Each case: a change to the minimal config, and text the error must contain.
#[test]
fn invalid_configs_name_key_and_value() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("url = \"http://127.0.0.1:4770\"", "url = \"127.0.0.1:4770\"", &["collector.url", "127.0.0.1:4770"]),
        ("model = \"m\"", "model = \"\"", &["deployment.model"]),
        ("[[source]]", "[deployment.labels]\n\"bad-name\" = \"x\"\n[[source]]", &["deployment.labels.bad-name"]),
        ("type = \"proxy\"", "type = \"socket\"", &["socket", "proxy", "file"]),
        ("upstream = \"http://127.0.0.1:8000\"", "upstream = \"ftp://x\"", &["source[0].upstream", "ftp://x"]),
        ("listen = \"127.0.0.1:8080\"", "listen = \"not-an-address\"", &["source[0].listen", "not-an-address"]),
        ("[collector]", "[collector]\nqueue_batchez = 3", &["queue_batchez"]),
        ("[collector]", "[collector]\nbatch_max_observations = 0", &["collector.batch_max_observations", "0"]),
        ("upstream = \"http://127.0.0.1:8000\"", "upstream = \"http://localhost:8080\"", &["source[0].upstream", "own listen address"]),
        ("[collector]", "[collector]\nspool_dir = \"\"", &["collector.spool_dir"]),
        ("[collector]", "[collector]\nspool_dir = \"/etc/passwd\"", &["collector.spool_dir", "not a folder"]),
        (
            "type = \"proxy\"\nlisten = \"127.0.0.1:8080\"\nupstream = \"http://127.0.0.1:8000\"",
            "type = \"file\"\npath = \"/var/log/*.jsonl\"\ncheckpoint = \"/tmp/c.json\"\nresponse_pointer = \"response\"",
            &["source[0].response_pointer", "\"response\""],
        ),
        (
            "type = \"proxy\"\nlisten = \"127.0.0.1:8080\"\nupstream = \"http://127.0.0.1:8000\"",
            "type = \"file\"\npath = \"/var/log/*.jsonl\"",
            &["checkpoint"],
        ),
    ];
    for (from, to, expected) in cases {
        assert!(MINIMAL.contains(from), "case does not apply: {from}");
        let message = error_of(&MINIMAL.replacen(from, to, 1));
        for part in *expected {
            assert!(message.contains(part), "{to:?}: {message:?} lacks {part:?}");
        }
        assert!(
            message.starts_with("invalid config file agent.toml"),
            "{message}"
        );
    }
}

#[test]
fn config_without_sources_is_rejected() {
    let tables = MINIMAL.split("[[source]]").next().unwrap();
    let message = error_of(&format!("source = []\n{tables}"));
    assert!(message.contains("at least one [[source]]"), "{message}");
}

#[test]
fn missing_file_is_reported() {
    let error = AgentConfig::load(Path::new("/nonexistent/agent.toml")).unwrap_err();
    assert!(error
        .to_string()
        .contains("cannot read config file /nonexistent/agent.toml"));
}
