//! Agent selection strategies (design §4) as pure functions over a snapshot of agent rows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a queue picks agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Every free agent rings; the first to answer wins, the others get CANCEL.
    RingAll,
    /// Tier level, then longest time since the last call ended, then tier position.
    #[default]
    LongestIdle,
    /// Continue after the last agent offered in this queue.
    RoundRobin,
    /// Always in tier order.
    Linear,
    /// Fewest answered calls today.
    FewestCalls,
}

/// Status is set by people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "reason")]
pub enum AgentStatus {
    LoggedOut,
    Available,
    OnBreak(String),
}

/// State is set by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    Idle,
    Offered,
    InCall,
    WrapUp,
}

/// What a strategy sees of one agent in one queue (agent row + tier link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub agent_id: String,
    pub status: AgentStatus,
    pub state: AgentState,
    /// Tier level (1 = first offered).
    pub level: u32,
    /// Position inside the level.
    pub position: u32,
    pub last_call_ended: Option<DateTime<Utc>>,
    pub answered_today: u32,
    /// After a rejection, not offered again before this time.
    pub not_before: Option<DateTime<Utc>>,
}

impl Candidate {
    /// Selectable: status available, state idle, and not in the reject delay.
    pub fn selectable(&self, now: DateTime<Utc>) -> bool {
        self.status == AgentStatus::Available
            && self.state == AgentState::Idle
            && self.not_before.is_none_or(|t| t <= now)
    }
    fn logged_in(&self) -> bool {
        self.status != AgentStatus::LoggedOut
    }
}

/// The highest tier level eligible for a caller who has waited `waited_s`: the k-th level
/// that has someone logged in (0-based) opens after k × `tier_wait_s`.
pub fn eligible_max_level(agents: &[Candidate], waited_s: u64, tier_wait_s: u64) -> Option<u32> {
    let mut levels: Vec<u32> = agents
        .iter()
        .filter(|a| a.logged_in())
        .map(|a| a.level)
        .collect();
    levels.sort_unstable();
    levels.dedup();
    let opened = waited_s
        .checked_div(tier_wait_s)
        .map(|k| k as usize + 1)
        .unwrap_or(levels.len());
    levels.into_iter().take(opened).next_back()
}

/// Agents to offer the call to, best first. For `RingAll` every returned agent rings at
/// once; the others offer to the first and keep the rest as fallbacks.
pub fn select(
    strategy: Strategy,
    agents: &[Candidate],
    now: DateTime<Utc>,
    waited_s: u64,
    tier_wait_s: u64,
    last_offered: Option<&str>,
) -> Vec<String> {
    let Some(max_level) = eligible_max_level(agents, waited_s, tier_wait_s) else {
        return vec![];
    };
    let mut c: Vec<&Candidate> = agents
        .iter()
        .filter(|a| a.level <= max_level && a.selectable(now))
        .collect();
    let tier = |a: &Candidate| (a.level, a.position, a.agent_id.clone());
    match strategy {
        Strategy::RingAll | Strategy::Linear => c.sort_by_key(|a| tier(a)),
        Strategy::LongestIdle => c.sort_by_key(|a| {
            // never-called agents count as idle the longest
            (
                a.level,
                a.last_call_ended
                    .map(|t| t.timestamp_millis())
                    .unwrap_or(i64::MIN),
                a.position,
                a.agent_id.clone(),
            )
        }),
        Strategy::FewestCalls => {
            c.sort_by_key(|a| (a.level, a.answered_today, a.position, a.agent_id.clone()))
        }
        Strategy::RoundRobin => {
            // order all agents of the queue by tier; start after the last one offered
            let mut all: Vec<&Candidate> = agents.iter().collect();
            all.sort_by_key(|a| tier(a));
            let start = last_offered
                .and_then(|l| all.iter().position(|a| a.agent_id == l))
                .map(|i| i + 1)
                .unwrap_or(0);
            let n = all.len();
            let order: Vec<String> = (0..n)
                .map(|k| all[(start + k) % n].agent_id.clone())
                .collect();
            c.sort_by_key(|a| {
                order
                    .iter()
                    .position(|x| *x == a.agent_id)
                    .unwrap_or(usize::MAX)
            });
        }
    }
    c.into_iter().map(|a| a.agent_id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn agent(id: &str, level: u32, pos: u32, ended: Option<i64>, calls: u32) -> Candidate {
        Candidate {
            agent_id: id.into(),
            status: AgentStatus::Available,
            state: AgentState::Idle,
            level,
            position: pos,
            last_call_ended: ended.map(t),
            answered_today: calls,
            not_before: None,
        }
    }

    #[test]
    fn longest_idle_orders_by_level_then_idle_time() {
        let a = vec![
            agent("a", 1, 1, Some(50), 0),
            agent("b", 1, 2, Some(10), 0),
            agent("c", 1, 3, None, 0),
        ];
        assert_eq!(
            select(Strategy::LongestIdle, &a, t(100), 0, 30, None),
            vec!["c", "b", "a"]
        );
    }

    #[test]
    fn linear_and_ring_all_use_tier_order() {
        let a = vec![agent("b", 1, 2, None, 0), agent("a", 1, 1, None, 0)];
        assert_eq!(
            select(Strategy::Linear, &a, t(0), 0, 30, None),
            vec!["a", "b"]
        );
        assert_eq!(
            select(Strategy::RingAll, &a, t(0), 0, 30, None),
            vec!["a", "b"]
        );
    }

    #[test]
    fn round_robin_continues_after_last_offered() {
        let a = vec![
            agent("a", 1, 1, None, 0),
            agent("b", 1, 2, None, 0),
            agent("c", 1, 3, None, 0),
        ];
        assert_eq!(
            select(Strategy::RoundRobin, &a, t(0), 0, 30, Some("b")),
            vec!["c", "a", "b"]
        );
        assert_eq!(
            select(Strategy::RoundRobin, &a, t(0), 0, 30, Some("c")),
            vec!["a", "b", "c"]
        );
        assert_eq!(
            select(Strategy::RoundRobin, &a, t(0), 0, 30, None),
            vec!["a", "b", "c"]
        );
    }

    #[test]
    fn fewest_calls_first() {
        let a = vec![agent("a", 1, 1, None, 5), agent("b", 1, 2, None, 2)];
        assert_eq!(
            select(Strategy::FewestCalls, &a, t(0), 0, 30, None),
            vec!["b", "a"]
        );
    }

    #[test]
    fn tiers_widen_with_wait_or_when_lower_level_is_logged_out() {
        let mut a = vec![agent("l1", 1, 1, None, 0), agent("l2", 2, 1, None, 0)];
        a[0].state = AgentState::InCall; // level 1 busy but logged in
        assert!(
            select(Strategy::Linear, &a, t(0), 10, 30, None).is_empty(),
            "level 2 not yet open"
        );
        assert_eq!(select(Strategy::Linear, &a, t(0), 30, 30, None), vec!["l2"]);
        a[0].status = AgentStatus::LoggedOut;
        assert_eq!(
            select(Strategy::Linear, &a, t(0), 0, 30, None),
            vec!["l2"],
            "nobody logged in on level 1"
        );
    }

    #[test]
    fn only_available_idle_agents_outside_reject_delay() {
        let mut a = vec![
            agent("a", 1, 1, None, 0),
            agent("b", 1, 2, None, 0),
            agent("c", 1, 3, None, 0),
            agent("d", 1, 4, None, 0),
        ];
        a[0].status = AgentStatus::OnBreak("lunch".into());
        a[1].state = AgentState::WrapUp;
        a[2].not_before = Some(t(10));
        assert_eq!(select(Strategy::Linear, &a, t(5), 0, 30, None), vec!["d"]);
        assert_eq!(
            select(Strategy::Linear, &a, t(10), 0, 30, None),
            vec!["c", "d"]
        );
    }
}
