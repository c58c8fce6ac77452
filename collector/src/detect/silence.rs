//! `AgentSilent`: a long-running agent (one that sends heartbeats while idle) whose
//! latest run has not reported for longer than the silence threshold. Replay agents are
//! not watched, since they stop by design; an agent that restarts reports again under a
//! new boot id, which clears the alert.

use std::collections::BTreeMap;
use std::time::Duration;

use rusqlite::Connection;

use super::detectors::{Evaluation, Finding, Verdict};
use crate::alerts::rfc3339;
use crate::store::StoreError;

/// The latest run of one long-running agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentSeen {
    pub deployment_id: i64,
    pub agent_id: String,
    pub last_seen_ms: i64,
}

/// The latest boot of every agent id, when that boot is long-running.
pub fn read_agents(connection: &Connection) -> Result<Vec<AgentSeen>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT b.deployment_id, b.agent_id, b.last_seen_ms FROM agent_boots b
         WHERE b.long_running = 1
           AND b.last_seen_ms = (SELECT MAX(last_seen_ms) FROM agent_boots WHERE agent_id = b.agent_id)",
    )?;
    let rows = statement.query_map([], |row| {
        Ok(AgentSeen {
            deployment_id: row.get(0)?,
            agent_id: row.get(1)?,
            last_seen_ms: row.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The `AgentSilent` evaluation of one deployment.
pub fn evaluate(
    deployment_id: i64,
    agents: &[AgentSeen],
    now_ms: i64,
    silent_after: Duration,
) -> Evaluation {
    let threshold = silent_after.as_millis() as i64;
    let findings = agents
        .iter()
        .filter(|agent| agent.deployment_id == deployment_id && now_ms - agent.last_seen_ms > threshold)
        .map(|agent| Finding {
            labels: BTreeMap::from([("agent_id".to_string(), agent.agent_id.clone())]),
            severity: "warning",
            summary: format!(
                "agent {} has not reported since {} ({} s ago)",
                agent.agent_id,
                rfc3339(agent.last_seen_ms),
                (now_ms - agent.last_seen_ms) / 1000
            ),
            description: format!(
                "A long-running agent sends a heartbeat while idle; none arrived for more than {} s.",
                silent_after.as_secs()
            ),
            examples: Vec::new(),
        })
        .collect();
    Evaluation {
        alertname: "AgentSilent",
        verdict: Verdict::Firing(findings),
        values: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stale_agents_of_the_deployment_fire() {
        let agents = vec![
            AgentSeen {
                deployment_id: 1,
                agent_id: "fresh".into(),
                last_seen_ms: 9_000,
            },
            AgentSeen {
                deployment_id: 1,
                agent_id: "stale".into(),
                last_seen_ms: 1_000,
            },
            AgentSeen {
                deployment_id: 2,
                agent_id: "other".into(),
                last_seen_ms: 1_000,
            },
        ];
        let evaluation = evaluate(1, &agents, 10_000, Duration::from_secs(5));
        let Verdict::Firing(findings) = evaluation.verdict else {
            panic!("no verdict")
        };
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].labels["agent_id"], "stale");
    }
}
