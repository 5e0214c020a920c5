//! Call flows as data (design §3): one versioned flow per DID, a graph of typed nodes,
//! validated before activation and interpreted by the call actor.

mod validate;

pub use validate::{FlowError, validate};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A node id inside a flow.
pub type NodeId = String;

/// One call flow, as administrators edit it and the store keeps it (JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    pub id: String,
    pub version: u32,
    /// The DIDs (normalised) this flow serves.
    pub dids: Vec<String>,
    pub start: NodeId,
    pub nodes: BTreeMap<NodeId, Node>,
}

fn default_retries() -> u32 {
    3
}
fn default_menu_timeout() -> u32 {
    6
}
fn default_calendar() -> String {
    "default".into()
}
fn default_vm_len() -> u32 {
    120
}

/// A node of a flow; the `type` field selects the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Node {
    /// Answer with 200 OK.
    Answer { next: NodeId },
    /// Branch on office hours (calendar + administrator override).
    Hours {
        #[serde(default = "default_calendar")]
        calendar: String,
        open: NodeId,
        closed: NodeId,
    },
    /// Play prompts; with `interruptible`, a key press ends the prompt and is kept for the
    /// next menu (barge-in).
    Play {
        prompts: Vec<String>,
        #[serde(default)]
        interruptible: bool,
        next: NodeId,
    },
    /// The recording / personal-data notice (Nghị định 13/2023); marks `notice_played_at`.
    Notice { prompt: String, next: NodeId },
    /// DTMF menu.
    Menu {
        prompt: String,
        digits: BTreeMap<String, NodeId>,
        timeout: NodeId,
        invalid: NodeId,
        #[serde(default = "default_retries")]
        retries: u32,
        #[serde(default = "default_menu_timeout")]
        timeout_s: u32,
        #[serde(default)]
        invalid_prompt: Option<String>,
    },
    /// Wait in a queue for an agent.
    Queue {
        queue: String,
        #[serde(default)]
        max_wait_s: Option<u32>,
        #[serde(default)]
        on_max_wait: Option<NodeId>,
        #[serde(default)]
        on_no_agent: Option<NodeId>,
        #[serde(default)]
        on_full: Option<NodeId>,
        /// Where the call goes after the agent leg ends (default: the call ends).
        #[serde(default)]
        after: Option<NodeId>,
    },
    /// Transfer to an extension (agent id) or an external number through the trunk.
    Transfer {
        target: String,
        on_answered: Option<NodeId>,
        on_failed: NodeId,
    },
    /// Record a voice message.
    Voicemail {
        #[serde(default = "default_vm_len")]
        max_s: u32,
        next: NodeId,
    },
    /// Create a callback task for the caller's number (TEL-11).
    Callback { next: NodeId },
    /// Closing prompt (TEL-2), then BYE.
    Hangup {
        #[serde(default)]
        prompt: Option<String>,
    },
    /// Jump.
    Goto { next: NodeId },
    /// Set a call variable (e.g. `topic=pakn`).
    Set {
        var: String,
        value: String,
        next: NodeId,
    },
}

impl Node {
    /// All node ids this node can continue to.
    pub fn exits(&self) -> Vec<&NodeId> {
        match self {
            Node::Answer { next }
            | Node::Play { next, .. }
            | Node::Notice { next, .. }
            | Node::Voicemail { next, .. }
            | Node::Callback { next }
            | Node::Goto { next }
            | Node::Set { next, .. } => vec![next],
            Node::Hours { open, closed, .. } => vec![open, closed],
            Node::Menu {
                digits,
                timeout,
                invalid,
                ..
            } => {
                let mut v: Vec<&NodeId> = digits.values().collect();
                v.push(timeout);
                v.push(invalid);
                v
            }
            Node::Queue {
                on_max_wait,
                on_no_agent,
                on_full,
                after,
                ..
            } => [on_max_wait, on_no_agent, on_full, after]
                .into_iter()
                .flatten()
                .collect(),
            Node::Transfer {
                on_answered,
                on_failed,
                ..
            } => {
                let mut v = vec![on_failed];
                v.extend(on_answered.iter());
                v
            }
            Node::Hangup { .. } => vec![],
        }
    }

    /// Prompt ids this node plays.
    pub fn prompts(&self) -> Vec<&str> {
        match self {
            Node::Play { prompts, .. } => prompts.iter().map(|s| s.as_str()).collect(),
            Node::Notice { prompt, .. } => vec![prompt],
            Node::Menu {
                prompt,
                invalid_prompt,
                ..
            } => {
                let mut v = vec![prompt.as_str()];
                v.extend(invalid_prompt.as_deref());
                v
            }
            Node::Hangup { prompt } => prompt.iter().map(|s| s.as_str()).collect(),
            _ => vec![],
        }
    }

    /// Nodes that need the caller to have heard the recording notice first.
    pub fn needs_notice(&self) -> bool {
        matches!(
            self,
            Node::Queue { .. } | Node::Transfer { .. } | Node::Voicemail { .. }
        )
    }
}

/// The demo flow shipped as data (design §3), for DID 1800888880; `.889` and `.898` use
/// the same graph. Prompt ids are files in the prompts directory.
pub fn demo_flow(id: &str, dids: &[&str]) -> Flow {
    let json = serde_json::json!({
        "id": id, "version": 1, "dids": dids, "start": "answer",
        "nodes": {
            "answer": { "type": "answer", "next": "hours" },
            "hours": { "type": "hours", "calendar": "default", "open": "greet", "closed": "closed" },
            "closed": { "type": "play", "prompts": ["ngoai_gio_lam_viec"], "next": "offer_cb" },
            "offer_cb": { "type": "menu", "prompt": "nhan_1_de_dat_goi_lai", "digits": { "1": "cb" }, "timeout": "bye", "invalid": "bye", "retries": 1 },
            "cb": { "type": "callback", "next": "bye_cb" },
            "bye_cb": { "type": "hangup", "prompt": "da_ghi_nhan_goi_lai" },
            "greet": { "type": "play", "prompts": ["loi_chao"], "interruptible": true, "next": "notice" },
            "notice": { "type": "notice", "prompt": "thong_bao_ghi_am", "next": "main" },
            "main": { "type": "menu", "prompt": "menu_chinh",
                "digits": { "1": "q_tthc", "2": "q_pakn", "3": "q_dossier", "4": "q_postal", "5": "q_appt", "0": "q_general" },
                "timeout": "q_general", "invalid": "main_invalid", "retries": 3, "timeout_s": 6, "invalid_prompt": "lua_chon_khong_hop_le" },
            "main_invalid": { "type": "goto", "next": "q_general" },
            "q_tthc": { "type": "queue", "queue": "tthc", "max_wait_s": 300, "on_max_wait": "q_general", "on_no_agent": "offer_cb_open", "on_full": "offer_cb_open" },
            "q_pakn": { "type": "queue", "queue": "pakn", "max_wait_s": 300, "on_max_wait": "q_general", "on_no_agent": "offer_cb_open", "on_full": "offer_cb_open" },
            "q_dossier": { "type": "queue", "queue": "general", "max_wait_s": 300, "on_max_wait": "offer_cb_open", "on_no_agent": "offer_cb_open", "on_full": "offer_cb_open" },
            "q_postal": { "type": "queue", "queue": "general", "max_wait_s": 300, "on_max_wait": "offer_cb_open", "on_no_agent": "offer_cb_open", "on_full": "offer_cb_open" },
            "q_appt": { "type": "queue", "queue": "general", "max_wait_s": 300, "on_max_wait": "offer_cb_open", "on_no_agent": "offer_cb_open", "on_full": "offer_cb_open" },
            "q_general": { "type": "queue", "queue": "general", "max_wait_s": 600, "on_max_wait": "offer_cb_open", "on_no_agent": "offer_cb_open", "on_full": "offer_cb_open" },
            "offer_cb_open": { "type": "menu", "prompt": "nhan_1_de_dat_goi_lai", "digits": { "1": "cb" }, "timeout": "bye", "invalid": "bye", "retries": 1 },
            "bye": { "type": "hangup", "prompt": "cam_on" }
        }
    });
    serde_json::from_value(json).unwrap_or_else(|e| unreachable!("demo flow is valid JSON: {e}"))
}

/// The prompt texts of the demo flow (Vietnamese); generated with espeak-ng at first start
/// when the files are missing. Recorded human voices are better: replace the files.
pub const DEMO_PROMPTS: &[(&str, &str)] = &[
    (
        "loi_chao",
        "Xin chào quý vị đã gọi đến đường dây nóng một tám không không, tám tám tám, tám tám không.",
    ),
    (
        "thong_bao_ghi_am",
        "Cuộc gọi của quý vị sẽ được ghi âm để phục vụ công tác kiểm tra, giám sát.",
    ),
    (
        "menu_chinh",
        "Để được hướng dẫn thủ tục hành chính, nhấn phím một. Để gửi phản ánh, kiến nghị, nhấn phím hai. Để tra cứu hồ sơ, nhấn phím ba. Dịch vụ bưu chính công ích, nhấn phím bốn. Đặt lịch hẹn, nhấn phím năm. Gặp điện thoại viên, nhấn phím không.",
    ),
    ("lua_chon_khong_hop_le", "Lựa chọn không hợp lệ."),
    (
        "ngoai_gio_lam_viec",
        "Hiện đã ngoài giờ làm việc. Giờ làm việc từ bảy giờ đến mười một giờ và từ mười ba giờ đến mười sáu giờ, các ngày làm việc trong tuần.",
    ),
    ("nhan_1_de_dat_goi_lai", "Để được gọi lại, nhấn phím một."),
    (
        "da_ghi_nhan_goi_lai",
        "Yêu cầu gọi lại của quý vị đã được ghi nhận. Xin cảm ơn.",
    ),
    ("cam_on", "Cảm ơn quý vị đã gọi. Xin chào."),
    ("vi_tri_cua_quy_vi", "Vị trí của quý vị là"),
    ("thoi_gian_cho_khoang", "Thời gian chờ khoảng"),
    ("phut", "phút"),
    ("hon_muoi_phut", "hơn mười phút"),
    ("quy_vi_la_nguoi_tiep_theo", "Quý vị là người tiếp theo."),
    (
        "xin_vui_long_cho",
        "Xin quý vị vui lòng chờ trong giây lát.",
    ),
    ("nhac_cho", "nhạc chờ"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_flow_is_valid() {
        let f = demo_flow("demo", &["1800888880"]);
        let prompts: Vec<String> = DEMO_PROMPTS.iter().map(|(p, _)| p.to_string()).collect();
        validate(&f, |p| prompts.iter().any(|x| x == p)).unwrap();
    }

    #[test]
    fn unknown_node_type_is_refused() {
        let j = r#"{"id":"x","version":1,"dids":[],"start":"a","nodes":{"a":{"type":"dance","next":"a"}}}"#;
        assert!(serde_json::from_str::<Flow>(j).is_err());
    }
}
