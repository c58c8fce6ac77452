//! Checks on a parsed [`AgentConfig`] that the types alone cannot express.

use super::{AgentConfig, SourceConfig};

/// One rejected key.
pub(super) struct Invalid {
    pub key: String,
    pub value: String,
    pub problem: String,
}

fn invalid(key: impl Into<String>, value: impl ToString, problem: impl Into<String>) -> Invalid {
    Invalid {
        key: key.into(),
        value: value.to_string(),
        problem: problem.into(),
    }
}

fn check_http_url(key: &str, url: &str) -> Result<(), Invalid> {
    let uri: http::Uri = url.parse().map_err(|error| {
        invalid(
            key,
            url,
            format!("not a URL ({error}): write it as http://HOST:PORT"),
        )
    })?;
    match (uri.scheme_str(), uri.authority()) {
        (Some("http" | "https"), Some(_)) => Ok(()),
        _ => Err(invalid(
            key,
            url,
            "use an http:// or https:// URL with a host, such as http://127.0.0.1:4770",
        )),
    }
}

fn check_listen(key: &str, listen: &str) -> Result<std::net::SocketAddr, Invalid> {
    listen.parse().map_err(|_| {
        invalid(
            key,
            listen,
            "not a socket address: write it as IP:PORT, such as 127.0.0.1:8080",
        )
    })
}

/// Whether an upstream URL names the proxy's own listen address.
fn points_at(upstream: &str, listen: std::net::SocketAddr) -> bool {
    let Ok(uri) = upstream.parse::<http::Uri>() else {
        return false;
    };
    let Some(authority) = uri.authority() else {
        return false;
    };
    let port = authority.port_u16().unwrap_or(80);
    if port != listen.port() {
        return false;
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let local = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip == listen.ip())
        || (local && (listen.ip().is_loopback() || listen.ip().is_unspecified()))
}

fn check_positive(key: &str, value: u64) -> Result<(), Invalid> {
    if value == 0 {
        return Err(invalid(key, value, "must be greater than 0"));
    }
    Ok(())
}

fn check_pointer(key: &str, pointer: &str) -> Result<(), Invalid> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(invalid(
            key,
            pointer,
            "a JSON pointer starts with `/`, such as /response",
        ));
    }
    // RFC 6901: `~` only appears as `~0` (for `~`) or `~1` (for `/`).
    let mut characters = pointer.chars();
    while let Some(character) = characters.next() {
        if character == '~' && !matches!(characters.next(), Some('0' | '1')) {
            return Err(invalid(
                key,
                pointer,
                "`~` must be followed by 0 or 1 in a JSON pointer",
            ));
        }
    }
    Ok(())
}

impl AgentConfig {
    pub(super) fn validate(&self) -> Result<(), Invalid> {
        if let Some(agent_id) = &self.agent_id {
            if agent_id.trim().is_empty() || agent_id.len() > 128 {
                return Err(invalid(
                    "agent_id",
                    agent_id,
                    "must be 1 to 128 bytes, or left out to use the host name",
                ));
            }
        }

        let collector = &self.collector;
        crate::deliver::check_collector_url(&collector.url)
            .map_err(|problem| invalid("collector.url", &collector.url, problem))?;
        check_positive("collector.queue_batches", collector.queue_batches as u64)?;
        check_positive("collector.max_in_flight", collector.max_in_flight as u64)?;
        check_positive("collector.batch_max_delay_ms", collector.batch_max_delay_ms)?;
        check_positive("collector.heartbeat_s", collector.heartbeat_s)?;
        if !(1..=10_000).contains(&collector.batch_max_observations) {
            return Err(invalid(
                "collector.batch_max_observations",
                collector.batch_max_observations,
                "must be from 1 to 10000",
            ));
        }
        if let Some(dir) = &collector.spool_dir {
            check_positive("collector.spool_max_bytes", collector.spool_max_bytes)?;
            if dir.as_os_str().is_empty() {
                return Err(invalid(
                    "collector.spool_dir",
                    "",
                    "give a folder path, or leave the key out for no spool",
                ));
            }
            if dir.exists() && !dir.is_dir() {
                return Err(invalid(
                    "collector.spool_dir",
                    dir.display(),
                    "exists and is not a folder",
                ));
            }
        }

        let deployment = &self.deployment;
        for (key, value) in [
            ("deployment.model", &deployment.model),
            ("deployment.version", &deployment.version),
        ] {
            if value.trim().is_empty() || value.len() > 128 {
                return Err(invalid(key, value, "must be 1 to 128 bytes"));
            }
        }
        if let Some(baseline) = &deployment.baseline_version {
            if baseline.trim().is_empty() || baseline.len() > 128 || baseline == &deployment.version
            {
                return Err(invalid(
                    "deployment.baseline_version",
                    baseline,
                    "must be 1 to 128 bytes and differ from deployment.version",
                ));
            }
        }
        if deployment.labels.len() > 16 {
            return Err(invalid(
                "deployment.labels",
                deployment.labels.len(),
                "at most 16 labels",
            ));
        }
        for (name, value) in &deployment.labels {
            let key = format!("deployment.labels.{name}");
            let valid_name = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && name.len() <= 128;
            if !valid_name {
                return Err(invalid(
                    key,
                    name,
                    "label names use letters, digits and underscores, starting with a letter",
                ));
            }
            if value.len() > 128 {
                return Err(invalid(key, value, "label values are at most 128 bytes"));
            }
        }

        if self.sources.is_empty() && self.probe_suites.is_empty() {
            return Err(invalid(
                "source",
                "[]",
                "add at least one [[source]] of type \"proxy\" or \"file\", or a [[probe_suite]]",
            ));
        }
        for (index, probe) in self.probe_suites.iter().enumerate() {
            let prefix = format!("probe_suite[{index}]");
            crate::probe::suite::Suite::load(&probe.suite).map_err(|error| {
                invalid(format!("{prefix}.suite"), &probe.suite, error.to_string())
            })?;
            crate::deliver::check_collector_url(&probe.endpoint).map_err(|problem| {
                invalid(format!("{prefix}.endpoint"), &probe.endpoint, problem)
            })?;
            check_positive(&format!("{prefix}.interval_s"), probe.interval_s)?;
            check_positive(&format!("{prefix}.concurrency"), probe.concurrency as u64)?;
            check_positive(
                &format!("{prefix}.request_timeout_ms"),
                probe.request_timeout_ms,
            )?;
            if !(probe.max_requests_per_second > 0.0 && probe.max_requests_per_second.is_finite()) {
                return Err(invalid(
                    format!("{prefix}.max_requests_per_second"),
                    probe.max_requests_per_second,
                    "must be a number greater than 0",
                ));
            }
            if let Some(variable) = &probe.api_key_env {
                if std::env::var_os(variable).is_none() {
                    return Err(invalid(
                        format!("{prefix}.api_key_env"),
                        variable,
                        "this environment variable is not set",
                    ));
                }
            }
        }
        let mut listens = Vec::new();
        let mut checkpoints = Vec::new();
        for (index, source) in self.sources.iter().enumerate() {
            let prefix = format!("source[{index}]");
            match source {
                SourceConfig::Proxy(proxy) => {
                    check_http_url(&format!("{prefix}.upstream"), &proxy.upstream)?;
                    check_positive(&format!("{prefix}.score_queue"), proxy.score_queue as u64)?;
                    check_positive(
                        &format!("{prefix}.max_capture_bytes"),
                        proxy.max_capture_bytes as u64,
                    )?;
                    check_positive(
                        &format!("{prefix}.connect_timeout_ms"),
                        proxy.connect_timeout_ms,
                    )?;
                    let listen = check_listen(&format!("{prefix}.listen"), &proxy.listen)?;
                    if listens.contains(&listen) {
                        return Err(invalid(
                            format!("{prefix}.listen"),
                            listen,
                            "another source listens there already",
                        ));
                    }
                    listens.push(listen);
                    if points_at(&proxy.upstream, listen) {
                        return Err(invalid(
                            format!("{prefix}.upstream"),
                            &proxy.upstream,
                            "points at the proxy's own listen address; give the model server's address",
                        ));
                    }
                }
                SourceConfig::File(file) => {
                    if checkpoints.contains(&&file.checkpoint) {
                        return Err(invalid(
                            format!("{prefix}.checkpoint"),
                            file.checkpoint.display(),
                            "another file source uses this checkpoint; give each its own",
                        ));
                    }
                    checkpoints.push(&file.checkpoint);
                    if file.path.trim().is_empty() {
                        return Err(invalid(
                            format!("{prefix}.path"),
                            &file.path,
                            "give a file path or a glob",
                        ));
                    }
                    glob::Pattern::new(&file.path).map_err(|error| {
                        invalid(
                            format!("{prefix}.path"),
                            &file.path,
                            format!("invalid glob: {error}"),
                        )
                    })?;
                    check_pointer(&format!("{prefix}.prompt_pointer"), &file.prompt_pointer)?;
                    check_pointer(
                        &format!("{prefix}.response_pointer"),
                        &file.response_pointer,
                    )?;
                    if let Some(pointer) = &file.model_pointer {
                        check_pointer(&format!("{prefix}.model_pointer"), pointer)?;
                    }
                    check_positive(&format!("{prefix}.poll_interval_ms"), file.poll_interval_ms)?;
                    check_positive(
                        &format!("{prefix}.max_line_bytes"),
                        file.max_line_bytes as u64,
                    )?;
                }
            }
        }
        if let Some(metrics) = &self.metrics {
            let listen = check_listen("metrics.listen", &metrics.listen)?;
            if listens.contains(&listen) {
                return Err(invalid(
                    "metrics.listen",
                    listen,
                    "a proxy source listens there already",
                ));
            }
        }
        Ok(())
    }
}
