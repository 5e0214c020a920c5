//! In-memory [`EngineStore`] for tests and a database-less demo.

use super::*;
use std::sync::Mutex;

/// Everything in memory; inspect it with [`MemoryStore::snapshot`].
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<MemoryData>,
}

/// The data of a [`MemoryStore`].
#[derive(Debug, Default, Clone)]
pub struct MemoryData {
    pub flows: Vec<Flow>,
    pub trunks: Vec<Trunk>,
    pub agents: Vec<AgentRow>,
    pub queues: Vec<QueueRow>,
    pub agent_calls: std::collections::HashMap<String, Option<String>>,
    pub queue_entries: Vec<QueueEntryRow>,
    pub events: Vec<CallEventRow>,
    pub calls: Vec<CallRecord>,
    pub recordings: Vec<RecordingRow>,
    pub callbacks: Vec<CallbackTaskRow>,
    pub voicemails: Vec<VoicemailRow>,
    pub nodes: Vec<NodeRow>,
    /// Phones' registrations by user name, with the node holding each.
    pub registrations: std::collections::HashMap<String, (String, Registration)>,
    /// Reservation attempts refused because the agent was not idle.
    pub refused_reservations: u64,
}

impl MemoryStore {
    pub fn new(
        flows: Vec<Flow>,
        trunks: Vec<Trunk>,
        agents: Vec<AgentRow>,
        queues: Vec<QueueRow>,
    ) -> MemoryStore {
        MemoryStore {
            inner: Mutex::new(MemoryData {
                flows,
                trunks,
                agents,
                queues,
                ..Default::default()
            }),
        }
    }
    fn with<T>(&self, f: impl FnOnce(&mut MemoryData) -> T) -> T {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut g)
    }
    /// A copy of everything.
    pub fn snapshot(&self) -> MemoryData {
        self.with(|d| d.clone())
    }
    /// The CDR of a call.
    pub fn call(&self, call_id: &str) -> Option<CallRecord> {
        self.with(|d| d.calls.iter().find(|c| c.call_id == call_id).cloned())
    }
}

#[async_trait::async_trait]
impl EngineStore for MemoryStore {
    async fn flows(&self) -> StoreResult<Vec<Flow>> {
        Ok(self.with(|d| d.flows.clone()))
    }
    async fn trunks(&self) -> StoreResult<Vec<Trunk>> {
        Ok(self.with(|d| d.trunks.clone()))
    }
    async fn agents(&self) -> StoreResult<Vec<AgentRow>> {
        Ok(self.with(|d| d.agents.clone()))
    }
    async fn queues(&self) -> StoreResult<Vec<QueueRow>> {
        Ok(self.with(|d| d.queues.clone()))
    }
    async fn set_agent_status(&self, agent_id: &str, status: &AgentStatus) -> StoreResult<()> {
        self.with(|d| {
            for a in d.agents.iter_mut().filter(|a| a.id == agent_id) {
                a.status = status.clone();
            }
        });
        Ok(())
    }
    async fn reserve_agent(
        &self,
        agent_id: &str,
        call_id: &str,
        _node_id: &str,
        _lease_until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(self.with(|d| {
            let Some(a) = d.agents.iter_mut().find(|a| a.id == agent_id) else {
                return false;
            };
            if a.state != AgentState::Idle {
                d.refused_reservations += 1;
                return false;
            }
            a.state = AgentState::Offered;
            d.agent_calls
                .insert(agent_id.to_string(), Some(call_id.to_string()));
            true
        }))
    }
    async fn set_agent_state(
        &self,
        agent_id: &str,
        state: AgentState,
        call_id: Option<&str>,
    ) -> StoreResult<()> {
        self.with(|d| {
            for a in d.agents.iter_mut().filter(|a| a.id == agent_id) {
                a.state = state;
            }
            d.agent_calls
                .insert(agent_id.to_string(), call_id.map(str::to_string));
        });
        Ok(())
    }
    async fn put_queue_entry(&self, e: &QueueEntryRow) -> StoreResult<()> {
        self.with(|d| {
            d.queue_entries.retain(|x| x.call_id != e.call_id);
            d.queue_entries.push(e.clone());
        });
        Ok(())
    }
    async fn remove_queue_entry(&self, call_id: &str) -> StoreResult<()> {
        self.with(|d| d.queue_entries.retain(|x| x.call_id != call_id));
        Ok(())
    }
    async fn append_call_event(&self, e: &CallEventRow) -> StoreResult<()> {
        self.with(|d| d.events.push(e.clone()));
        Ok(())
    }
    async fn put_call(&self, c: &CallRecord) -> StoreResult<()> {
        self.with(
            |d| match d.calls.iter_mut().find(|x| x.call_id == c.call_id) {
                Some(x) => *x = c.clone(),
                None => d.calls.push(c.clone()),
            },
        );
        Ok(())
    }
    async fn open_calls(&self, node_id: &str) -> StoreResult<Vec<CallRecord>> {
        Ok(self.with(|d| {
            d.calls
                .iter()
                .filter(|c| c.node_id == node_id && c.status == crate::cdr::CdrStatus::InProgress)
                .cloned()
                .collect()
        }))
    }
    async fn last_event_at(&self, call_id: &str) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self.with(|d| {
            d.events
                .iter()
                .filter(|e| e.call_id == call_id)
                .map(|e| e.at)
                .max()
        }))
    }
    async fn last_recording_chain_hash(&self) -> StoreResult<Option<String>> {
        Ok(self.with(|d| d.recordings.last().map(|r| r.chain_hash.clone())))
    }
    async fn put_recording(&self, r: &RecordingRow) -> StoreResult<()> {
        self.with(|d| d.recordings.push(r.clone()));
        Ok(())
    }
    async fn put_callback_task(&self, t: &CallbackTaskRow) -> StoreResult<()> {
        self.with(|d| d.callbacks.push(t.clone()));
        Ok(())
    }
    async fn put_voicemail(&self, v: &VoicemailRow) -> StoreResult<()> {
        self.with(|d| d.voicemails.push(v.clone()));
        Ok(())
    }
    async fn sync_registrations(
        &self,
        node_id: &str,
        live: &[Registration],
        _now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.with(|d| {
            d.registrations
                .retain(|u, (node, _)| node != node_id || live.iter().any(|r| &r.username == u));
            for r in live {
                let newer = d
                    .registrations
                    .get(&r.username)
                    .is_none_or(|(_, old)| old.expires_at_unix <= r.expires_at_unix);
                if newer {
                    d.registrations
                        .insert(r.username.clone(), (node_id.to_owned(), r.clone()));
                }
            }
        });
        Ok(())
    }
    async fn remote_registrations(
        &self,
        node_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<Registration>> {
        Ok(self.with(|d| {
            d.registrations
                .values()
                .filter(|(node, r)| node != node_id && r.expires_at_unix > now.timestamp())
                .map(|(_, r)| r.clone())
                .collect()
        }))
    }
    async fn heartbeat(&self, n: &NodeRow) -> StoreResult<()> {
        self.with(|d| {
            d.nodes.retain(|x| x.node_id != n.node_id);
            d.nodes.push(n.clone());
        });
        Ok(())
    }
    async fn stale_nodes(&self, before: DateTime<Utc>) -> StoreResult<Vec<String>> {
        Ok(self.with(|d| {
            d.nodes
                .iter()
                .filter(|n| n.heartbeat_at < before)
                .map(|n| n.node_id.clone())
                .collect()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str) -> AgentRow {
        AgentRow {
            id: id.into(),
            display_name: id.into(),
            sip_username: id.into(),
            sip_password: "pw".into(),
            status: AgentStatus::Available,
            state: AgentState::Idle,
            wrap_up_s: None,
        }
    }

    #[tokio::test]
    async fn reservation_is_atomic() {
        let s = MemoryStore::new(vec![], vec![], vec![agent("a")], vec![]);
        let t = Utc::now();
        assert!(s.reserve_agent("a", "c1", "n", t).await.unwrap());
        assert!(
            !s.reserve_agent("a", "c2", "n", t).await.unwrap(),
            "two calls never get the same agent"
        );
        s.set_agent_state("a", AgentState::Idle, None)
            .await
            .unwrap();
        assert!(s.reserve_agent("a", "c2", "n", t).await.unwrap());
        assert_eq!(s.snapshot().refused_reservations, 1);
    }
}
