//! The ACD of one node: agents' status and state, waiting callers per queue, offers.
//! Selection uses the pure strategies; this module keeps the state between decisions and
//! reports every change as console events. The store's atomic reservation is taken by the
//! engine before an offer rings (two nodes never ring the same agent).

use super::stats::{Eta, RollingAverage, ServiceLevel, eta};
use super::strategy::{AgentState, AgentStatus, Candidate, select};
use crate::api::EventKind;
use crate::store::{AgentRow, QueueRow};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// An agent as the ACD tracks it.
#[derive(Debug, Clone)]
pub struct AgentRt {
    pub row: AgentRow,
    pub status: AgentStatus,
    pub state: AgentState,
    pub call_id: Option<String>,
    pub last_call_ended: Option<DateTime<Utc>>,
    pub answered_today: u32,
    pub consecutive_misses: u32,
    pub not_before: Option<DateTime<Utc>>,
}

/// A caller waiting.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub call_id: String,
    pub enqueued_at: DateTime<Utc>,
    pub priority: i32,
    pub caller_number: String,
    /// Agents currently ringing for this caller.
    pub ringing: HashSet<String>,
}

/// A queue as the ACD tracks it.
#[derive(Debug, Clone)]
pub struct QueueRt {
    pub row: QueueRow,
    pub waiting: Vec<Waiting>,
    pub sl: ServiceLevel,
    pub aht: RollingAverage,
    pub last_offered: Option<String>,
}

/// An offer to ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub call_id: String,
    pub queue_id: String,
    pub agent_id: String,
    pub sip_username: String,
    pub ring_timeout_s: u32,
}

/// How an offer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferOutcome {
    Answered,
    /// Ring timeout or 408/480.
    NoAnswer,
    /// 486/603: wait `reject_delay` before offering again.
    Rejected,
    /// Cancelled by us (another agent answered, caller left) or reservation refused.
    Withdrawn,
}

/// Why a caller cannot join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinError {
    UnknownQueue,
    Full,
    NoAgent,
}

/// The ACD state.
#[derive(Debug, Default)]
pub struct Acd {
    pub agents: HashMap<String, AgentRt>,
    pub queues: HashMap<String, QueueRt>,
}

impl Acd {
    /// Build from the store's rows.
    pub fn load(agents: Vec<AgentRow>, queues: Vec<QueueRow>) -> Acd {
        let agents = agents
            .into_iter()
            .map(|row| {
                let status = row.status.clone();
                // whatever the engine state was before a restart, no call is up now
                (
                    row.id.clone(),
                    AgentRt {
                        row,
                        status,
                        state: AgentState::Idle,
                        call_id: None,
                        last_call_ended: None,
                        answered_today: 0,
                        consecutive_misses: 0,
                        not_before: None,
                    },
                )
            })
            .collect();
        let queues = queues
            .into_iter()
            .map(|row| {
                let sl = ServiceLevel::new(row.sl_threshold_s);
                let aht = RollingAverage::new(50, row.default_handle_s);
                (
                    row.id.clone(),
                    QueueRt {
                        row,
                        waiting: vec![],
                        sl,
                        aht,
                        last_offered: None,
                    },
                )
            })
            .collect();
        Acd { agents, queues }
    }

    fn logged_in_agents(&self, q: &QueueRow) -> usize {
        q.tiers
            .iter()
            .filter(|t| {
                self.agents
                    .get(&t.agent_id)
                    .is_some_and(|a| a.status != AgentStatus::LoggedOut)
            })
            .count()
    }

    /// Put a caller in a queue; returns their position (1-based).
    pub fn join(&mut self, queue_id: &str, w: Waiting) -> Result<usize, JoinError> {
        let logged = {
            let q = self.queues.get(queue_id).ok_or(JoinError::UnknownQueue)?;
            self.logged_in_agents(&q.row)
        };
        let q = self
            .queues
            .get_mut(queue_id)
            .ok_or(JoinError::UnknownQueue)?;
        if q.waiting.len() >= q.row.max_len as usize {
            return Err(JoinError::Full);
        }
        if logged == 0 && !q.row.join_empty {
            return Err(JoinError::NoAgent);
        }
        q.waiting.push(w);
        q.waiting.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.enqueued_at.cmp(&b.enqueued_at))
        });
        Ok(q.waiting
            .iter()
            .position(|x| {
                x.call_id
                    == q.waiting
                        .last()
                        .map(|l| l.call_id.clone())
                        .unwrap_or_default()
            })
            .map(|p| p + 1)
            .unwrap_or(q.waiting.len()))
    }

    /// Remove a caller (answered, abandoned, timed out); returns agents that were ringing.
    pub fn leave(&mut self, queue_id: &str, call_id: &str) -> Vec<String> {
        let Some(q) = self.queues.get_mut(queue_id) else {
            return vec![];
        };
        let Some(i) = q.waiting.iter().position(|w| w.call_id == call_id) else {
            return vec![];
        };
        q.waiting.remove(i).ringing.into_iter().collect()
    }

    /// Whether anybody is logged in to the queue.
    pub fn has_logged_in(&self, queue_id: &str) -> bool {
        self.queues
            .get(queue_id)
            .is_some_and(|q| self.logged_in_agents(&q.row) > 0)
    }

    /// Position (1-based) and estimated wait of a caller.
    pub fn position(&self, queue_id: &str, call_id: &str) -> Option<(u32, Eta)> {
        let q = self.queues.get(queue_id)?;
        let pos = q.waiting.iter().position(|w| w.call_id == call_id)? as u32 + 1;
        let serving = q
            .row
            .tiers
            .iter()
            .filter(|t| {
                self.agents
                    .get(&t.agent_id)
                    .is_some_and(|a| a.status == AgentStatus::Available)
            })
            .count() as u32;
        Some((pos, eta(pos, q.aht.get(), serving, 10)))
    }

    /// Match waiting callers with free agents; marks the chosen agents `offered`.
    /// `registered` says whether an agent's phone can be rung right now.
    pub fn dispatch(
        &mut self,
        now: DateTime<Utc>,
        registered: &dyn Fn(&str) -> bool,
    ) -> (Vec<Offer>, Vec<EventKind>) {
        let mut offers = vec![];
        let mut events = vec![];
        let mut qids: Vec<String> = self.queues.keys().cloned().collect();
        qids.sort();
        for qid in qids {
            let Some(q) = self.queues.get(&qid) else {
                continue;
            };
            let row = q.row.clone();
            let waiting: Vec<(String, DateTime<Utc>, bool)> = q
                .waiting
                .iter()
                .map(|w| (w.call_id.clone(), w.enqueued_at, !w.ringing.is_empty()))
                .collect();
            let mut last = q.last_offered.clone();
            for (call_id, enq, already_ringing) in waiting {
                if already_ringing {
                    continue;
                }
                let cands: Vec<Candidate> = row
                    .tiers
                    .iter()
                    .filter_map(|t| {
                        let a = self.agents.get(&t.agent_id)?;
                        let mut c = Candidate {
                            agent_id: a.row.id.clone(),
                            status: a.status.clone(),
                            state: a.state,
                            level: t.level,
                            position: t.position,
                            last_call_ended: a.last_call_ended,
                            answered_today: a.answered_today,
                            not_before: a.not_before,
                        };
                        if !registered(&a.row.sip_username) && c.status == AgentStatus::Available {
                            c.state = AgentState::Offered; // unreachable phone: not selectable
                        }
                        Some(c)
                    })
                    .collect();
                let waited = (now - enq).num_seconds().max(0) as u64;
                let picked = select(
                    row.strategy,
                    &cands,
                    now,
                    waited,
                    row.tier_wait_s as u64,
                    last.as_deref(),
                );
                let picked: Vec<String> = if row.strategy == super::strategy::Strategy::RingAll {
                    picked
                } else {
                    picked.into_iter().take(1).collect()
                };
                if picked.is_empty() {
                    break; // FIFO: nobody behind this caller can be served either
                }
                for agent_id in picked {
                    let Some(a) = self.agents.get_mut(&agent_id) else {
                        continue;
                    };
                    a.state = AgentState::Offered;
                    a.call_id = Some(call_id.clone());
                    events.push(EventKind::AgentStateChanged {
                        agent_id: agent_id.clone(),
                        state: AgentState::Offered,
                    });
                    offers.push(Offer {
                        call_id: call_id.clone(),
                        queue_id: qid.clone(),
                        agent_id: agent_id.clone(),
                        sip_username: a.row.sip_username.clone(),
                        ring_timeout_s: row.ring_timeout_s,
                    });
                    last = Some(agent_id.clone());
                    if let Some(q) = self.queues.get_mut(&qid)
                        && let Some(w) = q.waiting.iter_mut().find(|w| w.call_id == call_id)
                    {
                        w.ringing.insert(agent_id);
                    }
                }
            }
            if let Some(q) = self.queues.get_mut(&qid) {
                q.last_offered = last;
            }
        }
        (offers, events)
    }

    /// The result of one offer.
    pub fn offer_result(
        &mut self,
        queue_id: &str,
        call_id: &str,
        agent_id: &str,
        outcome: OfferOutcome,
        now: DateTime<Utc>,
    ) -> Vec<EventKind> {
        let mut ev = vec![];
        let (max_nna, reject_delay) = self
            .queues
            .get(queue_id)
            .map(|q| (q.row.max_no_answer, q.row.reject_delay_s))
            .unwrap_or((2, 10));
        if let Some(q) = self.queues.get_mut(queue_id)
            && let Some(w) = q.waiting.iter_mut().find(|w| w.call_id == call_id)
        {
            w.ringing.remove(agent_id);
        }
        let Some(a) = self.agents.get_mut(agent_id) else {
            return ev;
        };
        if a.call_id.as_deref() != Some(call_id) {
            return ev;
        }
        match outcome {
            OfferOutcome::Answered => {
                a.state = AgentState::InCall;
                a.answered_today += 1;
                a.consecutive_misses = 0;
            }
            OfferOutcome::NoAnswer => {
                a.state = AgentState::Idle;
                a.call_id = None;
                a.consecutive_misses += 1;
                if a.consecutive_misses >= max_nna && a.status == AgentStatus::Available {
                    a.status = AgentStatus::OnBreak("no_answer".into());
                    ev.push(EventKind::AgentStatusChanged {
                        agent_id: agent_id.into(),
                        status: a.status.clone(),
                    });
                    tracing::warn!(
                        agent = agent_id,
                        misses = a.consecutive_misses,
                        "agent auto-paused after missed offers"
                    );
                }
            }
            OfferOutcome::Rejected => {
                a.state = AgentState::Idle;
                a.call_id = None;
                a.not_before = Some(now + chrono::TimeDelta::seconds(reject_delay as i64));
            }
            OfferOutcome::Withdrawn => {
                a.state = AgentState::Idle;
                a.call_id = None;
            }
        }
        ev.push(EventKind::AgentStateChanged {
            agent_id: agent_id.into(),
            state: a.state,
        });
        ev
    }

    /// A caller was answered after `wait_s` in `queue_id` (service level).
    pub fn answered(&mut self, queue_id: &str, wait_s: u32) {
        if let Some(q) = self.queues.get_mut(queue_id) {
            q.sl.on_answered(wait_s);
        }
    }

    /// A caller abandoned after `wait_s`.
    pub fn abandoned(&mut self, queue_id: &str, wait_s: u32) {
        if let Some(q) = self.queues.get_mut(queue_id) {
            q.sl.on_abandoned(wait_s);
        }
    }

    /// The agent's call ended: wrap-up (returns its length) and handle-time statistics.
    pub fn call_ended(
        &mut self,
        queue_id: &str,
        agent_id: &str,
        talk_s: u32,
        now: DateTime<Utc>,
    ) -> (u32, Vec<EventKind>) {
        let wrap = self
            .queues
            .get(queue_id)
            .map(|q| q.row.wrap_up_s)
            .unwrap_or(0);
        let Some(a) = self.agents.get_mut(agent_id) else {
            return (0, vec![]);
        };
        let wrap = a.row.wrap_up_s.unwrap_or(wrap);
        a.last_call_ended = Some(now);
        a.call_id = None;
        a.state = if wrap > 0 {
            AgentState::WrapUp
        } else {
            AgentState::Idle
        };
        let state = a.state;
        if let Some(q) = self.queues.get_mut(queue_id) {
            q.aht.push(talk_s + wrap);
        }
        (
            wrap,
            vec![EventKind::AgentStateChanged {
                agent_id: agent_id.into(),
                state,
            }],
        )
    }

    /// Wrap-up over (timer or console): the agent is idle again.
    pub fn end_wrapup(&mut self, agent_id: &str) -> Vec<EventKind> {
        match self.agents.get_mut(agent_id) {
            Some(a) if a.state == AgentState::WrapUp => {
                a.state = AgentState::Idle;
                vec![EventKind::AgentStateChanged {
                    agent_id: agent_id.into(),
                    state: AgentState::Idle,
                }]
            }
            _ => vec![],
        }
    }

    /// Status set by a person (login, logout, pause, unpause). A logout during a call
    /// changes the status and leaves the call alone.
    pub fn set_status(&mut self, agent_id: &str, status: AgentStatus) -> Option<Vec<EventKind>> {
        let a = self.agents.get_mut(agent_id)?;
        if status == AgentStatus::Available {
            a.consecutive_misses = 0;
        }
        a.status = status.clone();
        Some(vec![EventKind::AgentStatusChanged {
            agent_id: agent_id.into(),
            status,
        }])
    }

    /// `queue.updated` figures.
    pub fn queue_summary(&self, queue_id: &str, now: DateTime<Utc>) -> Option<EventKind> {
        let q = self.queues.get(queue_id)?;
        let longest = q
            .waiting
            .iter()
            .map(|w| (now - w.enqueued_at).num_seconds().max(0) as u32)
            .max()
            .unwrap_or(0);
        let free = q
            .row
            .tiers
            .iter()
            .filter(|t| {
                self.agents.get(&t.agent_id).is_some_and(|a| {
                    a.status == AgentStatus::Available && a.state == AgentState::Idle
                })
            })
            .count() as u32;
        Some(EventKind::QueueUpdated {
            queue_id: queue_id.into(),
            waiting: q.waiting.len() as u32,
            longest_wait_s: longest,
            agents_free: free,
            sl: q.sl.sl(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acd::strategy::Strategy;
    use crate::store::TierRow;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }
    fn agent(id: &str) -> AgentRow {
        AgentRow {
            id: id.into(),
            display_name: id.into(),
            sip_username: id.into(),
            sip_password: "x".into(),
            status: AgentStatus::Available,
            state: AgentState::Idle,
            wrap_up_s: None,
        }
    }
    fn queue(strategy: Strategy, agents: &[&str]) -> QueueRow {
        serde_json::from_value(serde_json::json!({
            "id": "q", "name": "q", "strategy": strategy, "max_len": 3, "wrap_up_s": 5,
            "tiers": agents.iter().enumerate().map(|(i, a)| TierRow { agent_id: a.to_string(), level: 1, position: i as u32 }).collect::<Vec<_>>()
        }))
        .unwrap()
    }
    fn waiting(id: &str, at: i64) -> Waiting {
        Waiting {
            call_id: id.into(),
            enqueued_at: t(at),
            priority: 0,
            caller_number: "x".into(),
            ringing: Default::default(),
        }
    }

    #[test]
    fn fifo_offers_and_no_double_offer() {
        let mut acd = Acd::load(vec![agent("a")], vec![queue(Strategy::LongestIdle, &["a"])]);
        acd.join("q", waiting("c2", 5)).unwrap();
        acd.join("q", waiting("c1", 1)).unwrap();
        let (offers, _) = acd.dispatch(t(10), &|_| true);
        assert_eq!(offers.len(), 1);
        assert_eq!(
            offers[0].call_id, "c1",
            "the caller who waited longest first"
        );
        let (again, _) = acd.dispatch(t(11), &|_| true);
        assert!(
            again.is_empty(),
            "the agent is offered: not selectable again"
        );
    }

    #[test]
    fn ring_all_offers_every_free_agent() {
        let mut acd = Acd::load(
            vec![agent("a"), agent("b")],
            vec![queue(Strategy::RingAll, &["a", "b"])],
        );
        acd.join("q", waiting("c1", 0)).unwrap();
        let (offers, _) = acd.dispatch(t(1), &|_| true);
        assert_eq!(
            offers
                .iter()
                .map(|o| o.agent_id.as_str())
                .collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        // a answers, b is withdrawn (CANCEL)
        acd.offer_result("q", "c1", "a", OfferOutcome::Answered, t(2));
        let ringing = acd.leave("q", "c1");
        assert_eq!(ringing, vec!["b".to_string()]);
        acd.offer_result("q", "c1", "b", OfferOutcome::Withdrawn, t(2));
        assert_eq!(acd.agents["b"].state, AgentState::Idle);
        assert_eq!(acd.agents["a"].state, AgentState::InCall);
    }

    #[test]
    fn two_misses_auto_pause() {
        let mut acd = Acd::load(vec![agent("a")], vec![queue(Strategy::Linear, &["a"])]);
        acd.join("q", waiting("c1", 0)).unwrap();
        for i in 0..2 {
            let (offers, _) = acd.dispatch(t(i), &|_| true);
            assert_eq!(offers.len(), 1);
            acd.offer_result("q", "c1", "a", OfferOutcome::NoAnswer, t(i));
        }
        assert_eq!(
            acd.agents["a"].status,
            AgentStatus::OnBreak("no_answer".into())
        );
        assert!(acd.dispatch(t(5), &|_| true).0.is_empty());
    }

    #[test]
    fn full_queue_and_no_agent_exits() {
        let mut acd = Acd::load(vec![agent("a")], vec![queue(Strategy::Linear, &["a"])]);
        for i in 0..3 {
            acd.join("q", waiting(&format!("c{i}"), i)).unwrap();
        }
        assert_eq!(acd.join("q", waiting("c9", 9)), Err(JoinError::Full));
        let mut acd = Acd::load(vec![agent("a")], vec![queue(Strategy::Linear, &["a"])]);
        acd.set_status("a", AgentStatus::LoggedOut);
        assert_eq!(acd.join("q", waiting("c1", 0)), Err(JoinError::NoAgent));
    }

    #[test]
    fn wrap_up_then_idle_and_unregistered_phones_are_skipped() {
        let mut acd = Acd::load(vec![agent("a")], vec![queue(Strategy::Linear, &["a"])]);
        acd.join("q", waiting("c1", 0)).unwrap();
        assert!(
            acd.dispatch(t(0), &|_| false).0.is_empty(),
            "phone not registered"
        );
        let (o, _) = acd.dispatch(t(0), &|_| true);
        acd.offer_result("q", "c1", &o[0].agent_id, OfferOutcome::Answered, t(1));
        acd.leave("q", "c1");
        let (wrap, _) = acd.call_ended("q", "a", 60, t(61));
        assert_eq!(wrap, 5);
        assert_eq!(acd.agents["a"].state, AgentState::WrapUp);
        acd.end_wrapup("a");
        assert_eq!(acd.agents["a"].state, AgentState::Idle);
    }
}
