//! Events and commands for the operator console (design §10). The web crate exposes them
//! over SSE/WebSocket and REST; here they are plain Rust: a broadcast channel of
//! [`EngineEvent`]s with per-node sequence numbers (a console resumes from the last one it
//! saw) and a command handle with idempotency keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One event, numbered per node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineEvent {
    pub seq: u64,
    pub node_id: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. The `type` names are the ones the console sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum EventKind {
    #[serde(rename = "call.arrived")]
    CallArrived {
        call_id: String,
        did: String,
        caller_number: String,
    },
    /// The screen pop (TEL-9).
    #[serde(rename = "call.offered")]
    CallOffered {
        call_id: String,
        agent_id: String,
        caller_number: String,
        did: String,
        ivr_path: String,
        queue_id: String,
        wait_s: u32,
    },
    #[serde(rename = "call.answered")]
    CallAnswered {
        call_id: String,
        agent_id: Option<String>,
    },
    #[serde(rename = "call.held")]
    CallHeld { call_id: String, on_hold: bool },
    /// The agent's audio to the caller is cut (`muted`) or restored.
    #[serde(rename = "call.muted")]
    CallMuted { call_id: String, muted: bool },
    #[serde(rename = "call.transfer.started")]
    TransferStarted {
        call_id: String,
        kind: String,
        target: String,
    },
    #[serde(rename = "call.transfer.completed")]
    TransferCompleted { call_id: String, target: String },
    #[serde(rename = "call.transfer.failed")]
    TransferFailed {
        call_id: String,
        target: String,
        code: u16,
    },
    #[serde(rename = "call.transfer.cancelled")]
    TransferCancelled { call_id: String, target: String },
    #[serde(rename = "call.ended")]
    CallEnded {
        call_id: String,
        disposition: crate::cdr::Disposition,
    },
    #[serde(rename = "queue.updated")]
    QueueUpdated {
        queue_id: String,
        waiting: u32,
        longest_wait_s: u32,
        agents_free: u32,
        sl: Option<f64>,
    },
    #[serde(rename = "agent.status")]
    AgentStatusChanged {
        agent_id: String,
        status: crate::acd::strategy::AgentStatus,
    },
    #[serde(rename = "agent.state")]
    AgentStateChanged {
        agent_id: String,
        state: crate::acd::strategy::AgentState,
    },
    #[serde(rename = "recording.ready")]
    RecordingReady {
        call_id: String,
        recording_id: String,
        sha256: String,
    },
    #[serde(rename = "callback.created")]
    CallbackCreated {
        call_id: String,
        task_id: String,
        number: String,
    },
    #[serde(rename = "trunk.state")]
    TrunkState { trunk_id: String, up: bool },
}

/// A console command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Command {
    #[serde(rename = "agent.login")]
    AgentLogin { agent_id: String },
    #[serde(rename = "agent.logout")]
    AgentLogout { agent_id: String },
    #[serde(rename = "agent.pause")]
    AgentPause { agent_id: String, reason: String },
    #[serde(rename = "agent.unpause")]
    AgentUnpause { agent_id: String },
    #[serde(rename = "agent.end_wrapup")]
    AgentEndWrapup { agent_id: String },
    #[serde(rename = "call.hangup")]
    CallHangup { call_id: String },
    #[serde(rename = "call.hold")]
    CallHold { call_id: String },
    #[serde(rename = "call.unhold")]
    CallUnhold { call_id: String },
    /// Cut the agent's audio to the caller: the engine sends silence in its place, so the
    /// caller's RTP stream never stops and the recording's staff channel is silent too.
    /// Refused unless the call is answered.
    #[serde(rename = "call.mute")]
    CallMute { call_id: String },
    #[serde(rename = "call.unmute")]
    CallUnmute { call_id: String },
    /// Answer from the console a call ringing at `agent_id`'s phone: the engine offers it
    /// again with an auto-answer hint (see [`crate::call`]). Refused unless it rings there.
    #[serde(rename = "call.answer")]
    CallAnswer { call_id: String, agent_id: String },
    /// Target: an agent id / extension, or a national number through the trunk.
    #[serde(rename = "call.transfer.blind")]
    TransferBlind { call_id: String, target: String },
    #[serde(rename = "call.transfer.attended.start")]
    TransferAttendedStart { call_id: String, target: String },
    #[serde(rename = "call.transfer.attended.complete")]
    TransferAttendedComplete { call_id: String },
    #[serde(rename = "call.transfer.attended.cancel")]
    TransferAttendedCancel { call_id: String },
    /// Click-to-call (TEL-10): ring the agent's phone, then the number.
    #[serde(rename = "call.originate")]
    Originate { agent_id: String, number: String },
    #[serde(rename = "callback.dial")]
    CallbackDial {
        task_id: String,
        agent_id: String,
        number: String,
    },
    /// Administrator's manual open/closed switch (None = follow the calendar).
    #[serde(rename = "hours.override")]
    HoursOverride {
        value: Option<crate::clock::HoursOverride>,
    },
}

/// A command with its idempotency key (a retried request returns the first result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandRequest {
    pub idempotency_key: String,
    pub command: Command,
}

/// The result of a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CommandReply {
    Ok {
        detail: Option<String>,
    },
    Error {
        code: CommandErrorCode,
        message: String,
    },
}

/// Why a command failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandErrorCode {
    NotFound,
    InvalidState,
    NotAllowed,
    Busy,
    Internal,
}

impl CommandReply {
    pub fn ok() -> CommandReply {
        CommandReply::Ok { detail: None }
    }
    pub fn err(code: CommandErrorCode, message: impl Into<String>) -> CommandReply {
        CommandReply::Error {
            code,
            message: message.into(),
        }
    }
    pub fn is_ok(&self) -> bool {
        matches!(self, CommandReply::Ok { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names() {
        let c: CommandRequest = serde_json::from_str(r#"{"idempotency_key":"k1","command":{"type":"call.transfer.blind","call_id":"c","target":"0912345678"}}"#).unwrap();
        assert_eq!(
            c.command,
            Command::TransferBlind {
                call_id: "c".into(),
                target: "0912345678".into()
            }
        );
        let e = EngineEvent {
            seq: 7,
            node_id: "n1".into(),
            at: DateTime::from_timestamp(0, 0).unwrap(),
            kind: EventKind::CallHeld {
                call_id: "c".into(),
                on_hold: true,
            },
        };
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "call.held");
        assert_eq!(v["seq"], 7);
        let m: Command = serde_json::from_str(r#"{"type":"call.mute","call_id":"c"}"#).unwrap();
        assert_eq!(
            m,
            Command::CallMute {
                call_id: "c".into()
            }
        );
        let a: Command =
            serde_json::from_str(r#"{"type":"call.answer","call_id":"c","agent_id":"1001"}"#)
                .unwrap();
        assert_eq!(
            a,
            Command::CallAnswer {
                call_id: "c".into(),
                agent_id: "1001".into()
            }
        );
        let muted = serde_json::to_value(EventKind::CallMuted {
            call_id: "c".into(),
            muted: true,
        })
        .unwrap();
        assert_eq!(muted["type"], "call.muted");
        assert_eq!(muted["muted"], true);
        let r = serde_json::to_value(CommandReply::err(
            CommandErrorCode::NotFound,
            "no such call",
        ))
        .unwrap();
        assert_eq!(r["result"], "error");
        assert_eq!(r["code"], "not_found");
    }
}
