//! Call detail records (design §7, TEL-8): one row per call, created at arrival with
//! `status = in_progress`, updated at milestones, closed with a disposition. Field names are
//! the ones the API will show (snake_case).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a call ended, from the citizen's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Answered,
    AbandonedInIvr,
    AbandonedInQueue,
    OutOfHours,
    NoAgent,
    OverflowVoicemail,
    CallbackRequested,
    Transferred,
    Rejected,
    Failed,
    /// The node handling the call crashed; closed on restart.
    Interrupted,
}

/// Row status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CdrStatus {
    InProgress,
    Closed,
}

/// Who hung up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HangupSide {
    Caller,
    Agent,
    Engine,
}

/// Who called whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A citizen called the hotline.
    #[default]
    Inbound,
    /// An officer called a citizen from the console (click-to-call, callback).
    Outbound,
}

/// Role of a leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegRole {
    Caller,
    AgentOffer,
    Agent,
    Consult,
    TransferTarget,
}

/// One leg of a call (an unanswered ring-all offer is a leg too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegRecord {
    pub leg_id: String,
    pub role: LegRole,
    /// Agent id, extension or number.
    pub target: String,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub final_sip_code: Option<u16>,
    /// For transfer legs: the agent who initiated and the result.
    pub initiated_by: Option<String>,
}

/// The CDR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Root call id (UUIDv7).
    pub call_id: String,
    pub node_id: String,
    #[serde(default)]
    pub direction: Direction,
    pub status: CdrStatus,
    pub trunk_id: Option<String>,
    pub did: String,
    pub caller_number: String,
    pub caller_number_source: crate::trunk::IdentitySource,
    pub caller_private: bool,
    pub sip_call_id: String,
    pub flow_id: Option<String>,
    pub flow_version: Option<u32>,
    pub arrived_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub notice_played_at: Option<DateTime<Utc>>,
    /// Digits pressed in menus, in order.
    pub ivr_path: String,
    pub queue_id: Option<String>,
    pub queue_entered_at: Option<DateTime<Utc>>,
    pub queue_left_at: Option<DateTime<Utc>>,
    pub agent_id: Option<String>,
    pub agent_answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub wait_s: Option<u32>,
    pub talk_s: Option<u32>,
    pub hold_s: u32,
    pub wrap_up_s: Option<u32>,
    pub transfers: u32,
    pub disposition: Option<Disposition>,
    pub hangup_side: Option<HangupSide>,
    pub hangup_sip_code: Option<u16>,
    pub hangup_q850: Option<u16>,
    pub hangup_cause: Option<String>,
    pub recording_id: Option<String>,
    pub recording_sha256: Option<String>,
    pub callback_task_id: Option<String>,
    pub case_id: Option<String>,
    /// Call variables set by `set` nodes (e.g. `topic=pakn`).
    pub vars: std::collections::BTreeMap<String, String>,
    pub legs: Vec<LegRecord>,
}

/// What happened so far, to decide the disposition at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Milestones {
    pub rejected: bool,
    pub out_of_hours: bool,
    pub in_queue: bool,
    pub agent_answered: bool,
    pub transferred: bool,
    pub callback_requested: bool,
    pub voicemail_left: bool,
    pub no_agent: bool,
    pub caller_hung_up: bool,
}

/// The disposition rules (tested as a table).
pub fn disposition(m: Milestones) -> Disposition {
    if m.rejected {
        Disposition::Rejected
    } else if m.transferred {
        Disposition::Transferred
    } else if m.agent_answered {
        Disposition::Answered
    } else if m.out_of_hours {
        Disposition::OutOfHours
    } else if m.in_queue && m.caller_hung_up {
        Disposition::AbandonedInQueue
    } else if m.callback_requested {
        Disposition::CallbackRequested
    } else if m.voicemail_left {
        Disposition::OverflowVoicemail
    } else if m.no_agent {
        Disposition::NoAgent
    } else if m.caller_hung_up {
        Disposition::AbandonedInIvr
    } else {
        Disposition::Failed
    }
}

impl CallRecord {
    /// A new in-progress record at arrival.
    pub fn arrived(
        call_id: String,
        node_id: String,
        did: String,
        caller: &crate::trunk::CallerIdentity,
        sip_call_id: String,
        at: DateTime<Utc>,
    ) -> CallRecord {
        CallRecord {
            call_id,
            node_id,
            direction: Direction::Inbound,
            status: CdrStatus::InProgress,
            trunk_id: None,
            did,
            caller_number: caller.number.clone(),
            caller_number_source: caller.source,
            caller_private: caller.private,
            sip_call_id,
            flow_id: None,
            flow_version: None,
            arrived_at: at,
            answered_at: None,
            notice_played_at: None,
            ivr_path: String::new(),
            queue_id: None,
            queue_entered_at: None,
            queue_left_at: None,
            agent_id: None,
            agent_answered_at: None,
            ended_at: None,
            wait_s: None,
            talk_s: None,
            hold_s: 0,
            wrap_up_s: None,
            transfers: 0,
            disposition: None,
            hangup_side: None,
            hangup_sip_code: None,
            hangup_q850: None,
            hangup_cause: None,
            recording_id: None,
            recording_sha256: None,
            callback_task_id: None,
            case_id: None,
            vars: Default::default(),
            legs: vec![],
        }
    }

    /// Close the record; computes wait and talk times.
    pub fn close(&mut self, m: Milestones, side: HangupSide, cause: &str, at: DateTime<Utc>) {
        self.ended_at = Some(at);
        self.status = CdrStatus::Closed;
        self.disposition = Some(disposition(m));
        self.hangup_side = Some(side);
        self.hangup_cause = Some(cause.to_string());
        if let Some(q) = self.queue_entered_at {
            let left = self.queue_left_at.or(self.agent_answered_at).unwrap_or(at);
            self.wait_s = Some((left - q).num_seconds().max(0) as u32);
        }
        if let Some(a) = self.agent_answered_at {
            self.talk_s = Some((at - a).num_seconds().max(0) as u32);
        }
        for l in &mut self.legs {
            if l.ended_at.is_none() {
                l.ended_at = Some(at);
            }
        }
    }

    /// Close a record left open by a crashed node.
    pub fn interrupt(&mut self, last_event_at: DateTime<Utc>) {
        self.status = CdrStatus::Closed;
        self.disposition = Some(Disposition::Interrupted);
        self.ended_at = Some(last_event_at.max(self.arrived_at));
        self.hangup_side = Some(HangupSide::Engine);
        self.hangup_cause = Some("interrupted".into());
        for l in &mut self.legs {
            if l.ended_at.is_none() {
                l.ended_at = self.ended_at;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_table() {
        let base = Milestones::default();
        let cases = [
            (
                Milestones {
                    rejected: true,
                    ..base
                },
                Disposition::Rejected,
            ),
            (
                Milestones {
                    agent_answered: true,
                    in_queue: true,
                    caller_hung_up: true,
                    ..base
                },
                Disposition::Answered,
            ),
            (
                Milestones {
                    agent_answered: true,
                    transferred: true,
                    ..base
                },
                Disposition::Transferred,
            ),
            (
                Milestones {
                    out_of_hours: true,
                    callback_requested: true,
                    ..base
                },
                Disposition::OutOfHours,
            ),
            (
                Milestones {
                    in_queue: true,
                    caller_hung_up: true,
                    ..base
                },
                Disposition::AbandonedInQueue,
            ),
            (
                Milestones {
                    in_queue: true,
                    callback_requested: true,
                    ..base
                },
                Disposition::CallbackRequested,
            ),
            (
                Milestones {
                    voicemail_left: true,
                    ..base
                },
                Disposition::OverflowVoicemail,
            ),
            (
                Milestones {
                    no_agent: true,
                    ..base
                },
                Disposition::NoAgent,
            ),
            (
                Milestones {
                    caller_hung_up: true,
                    ..base
                },
                Disposition::AbandonedInIvr,
            ),
            (base, Disposition::Failed),
        ];
        for (m, d) in cases {
            assert_eq!(disposition(m), d, "{m:?}");
        }
    }

    #[test]
    fn close_computes_wait_and_talk_and_interrupt_uses_last_event() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let id = crate::trunk::caller_identity("0912345678", None, false, false);
        let mut r = CallRecord::arrived(
            "c".into(),
            "n".into(),
            "1800888880".into(),
            &id,
            "x".into(),
            t0,
        );
        r.queue_entered_at = Some(t0 + chrono::TimeDelta::seconds(10));
        r.agent_answered_at = Some(t0 + chrono::TimeDelta::seconds(25));
        r.close(
            Milestones {
                agent_answered: true,
                in_queue: true,
                ..Default::default()
            },
            HangupSide::Caller,
            "bye",
            t0 + chrono::TimeDelta::seconds(85),
        );
        assert_eq!(
            (r.wait_s, r.talk_s, r.disposition),
            (Some(15), Some(60), Some(Disposition::Answered))
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["disposition"], "answered");
        assert_eq!(json["caller_number"], "+84912345678");
        let mut r2 = CallRecord::arrived(
            "c2".into(),
            "n".into(),
            "1800888880".into(),
            &id,
            "y".into(),
            t0,
        );
        r2.interrupt(t0 + chrono::TimeDelta::seconds(7));
        assert_eq!(r2.disposition, Some(Disposition::Interrupted));
        assert_eq!(r2.ended_at, Some(t0 + chrono::TimeDelta::seconds(7)));
    }
}
