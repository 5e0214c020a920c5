//! Flow validation before activation: every exit names a node, every node is reachable,
//! prompts exist, and no queue/transfer/voicemail can be reached before the recording notice
//! (Nghị định 13/2023/NĐ-CP: tell the caller before recording or collecting data).

use super::{Flow, Node};
use std::collections::{BTreeSet, VecDeque};

/// What is wrong with a flow (the administrator sees these messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowError {
    #[error("start node `{0}` does not exist")]
    MissingStart(String),
    #[error("node `{from}` continues to `{to}`, which does not exist")]
    DanglingExit { from: String, to: String },
    #[error("node `{0}` can never be reached")]
    Unreachable(String),
    #[error("menu `{node}` has an invalid key `{key}` (use 0-9, * or #)")]
    BadMenuKey { node: String, key: String },
    #[error("menu `{0}` has no digit choices")]
    EmptyMenu(String),
    #[error("menu `{node}`: timeout {secs}s is outside 3–15 s")]
    BadMenuTimeout { node: String, secs: u32 },
    #[error("node `{node}` plays prompt `{prompt}`, which does not exist")]
    MissingPrompt { node: String, prompt: String },
    #[error("node `{0}` can be reached without the recording notice being played first")]
    NoticeMissing(String),
    #[error("the flow starts with `{0}` before answering")]
    NotAnswered(String),
}

impl FlowError {
    /// The message in Vietnamese (the administration pages show these).
    pub fn message_vi(&self) -> String {
        match self {
            FlowError::MissingStart(n) => format!("Nút bắt đầu «{n}» không tồn tại."),
            FlowError::DanglingExit { from, to } => {
                format!("Nút «{from}» chuyển tiếp đến «{to}», nút này không tồn tại.")
            }
            FlowError::Unreachable(n) => format!("Không có đường nào dẫn đến nút «{n}»."),
            FlowError::BadMenuKey { node, key } => {
                format!("Menu «{node}» có phím «{key}» không hợp lệ (dùng 0-9, * hoặc #).")
            }
            FlowError::EmptyMenu(n) => format!("Menu «{n}» chưa có lựa chọn phím nào."),
            FlowError::BadMenuTimeout { node, secs } => {
                format!("Menu «{node}»: thời gian chờ {secs} giây nằm ngoài khoảng 3–15 giây.")
            }
            FlowError::MissingPrompt { node, prompt } => {
                format!("Nút «{node}» phát lời nhắc «{prompt}», lời nhắc này chưa có.")
            }
            FlowError::NoticeMissing(n) => format!(
                "Nút «{n}» có thể đến được mà chưa phát thông báo ghi âm (Nghị định 13/2023/NĐ-CP)."
            ),
            FlowError::NotAnswered(n) => {
                format!("Luồng bắt đầu bằng «{n}» trước khi trả lời cuộc gọi.")
            }
        }
    }
}

/// Validate `flow`; `prompt_exists` says whether a prompt id is available.
pub fn validate(flow: &Flow, prompt_exists: impl Fn(&str) -> bool) -> Result<(), Vec<FlowError>> {
    let mut errs = Vec::new();
    if !flow.nodes.contains_key(&flow.start) {
        return Err(vec![FlowError::MissingStart(flow.start.clone())]);
    }
    for (id, node) in &flow.nodes {
        for to in node.exits() {
            if !flow.nodes.contains_key(to) {
                errs.push(FlowError::DanglingExit {
                    from: id.clone(),
                    to: to.clone(),
                });
            }
        }
        for p in node.prompts() {
            if !prompt_exists(p) {
                errs.push(FlowError::MissingPrompt {
                    node: id.clone(),
                    prompt: p.to_string(),
                });
            }
        }
        if let Node::Menu {
            digits, timeout_s, ..
        } = node
        {
            if digits.is_empty() {
                errs.push(FlowError::EmptyMenu(id.clone()));
            }
            for k in digits.keys() {
                let ok = k.chars().count() == 1
                    && k.chars()
                        .all(|c| c.is_ascii_digit() || c == '*' || c == '#');
                if !ok {
                    errs.push(FlowError::BadMenuKey {
                        node: id.clone(),
                        key: k.clone(),
                    });
                }
            }
            if !(3..=15).contains(timeout_s) {
                errs.push(FlowError::BadMenuTimeout {
                    node: id.clone(),
                    secs: *timeout_s,
                });
            }
        }
    }
    // Reachability and notice-before-recording: walk (node, notice heard, answered) states.
    let mut seen: BTreeSet<(String, bool, bool)> = BTreeSet::new();
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut queue = VecDeque::from([(flow.start.clone(), false, false)]);
    let mut notice_errs = BTreeSet::new();
    let mut unanswered = BTreeSet::new();
    while let Some((id, noticed, answered)) = queue.pop_front() {
        if !seen.insert((id.clone(), noticed, answered)) {
            continue;
        }
        reached.insert(id.clone());
        let Some(node) = flow.nodes.get(&id) else {
            continue;
        };
        if node.needs_notice() && !noticed {
            notice_errs.insert(id.clone());
        }
        let plays_media = !matches!(
            node,
            Node::Answer { .. }
                | Node::Hours { .. }
                | Node::Goto { .. }
                | Node::Set { .. }
                | Node::Hangup { prompt: None }
        );
        if plays_media && !answered {
            unanswered.insert(id.clone());
        }
        let noticed = noticed || matches!(node, Node::Notice { .. });
        let answered = answered || matches!(node, Node::Answer { .. });
        for to in node.exits() {
            queue.push_back((to.clone(), noticed, answered));
        }
    }
    errs.extend(notice_errs.into_iter().map(FlowError::NoticeMissing));
    errs.extend(unanswered.into_iter().map(FlowError::NotAnswered));
    for id in flow.nodes.keys() {
        if !reached.contains(id) {
            errs.push(FlowError::Unreachable(id.clone()));
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Flow;

    fn flow(nodes: serde_json::Value) -> Flow {
        serde_json::from_value(
            serde_json::json!({"id":"t","version":1,"dids":["1"],"start":"a","nodes":nodes}),
        )
        .unwrap()
    }

    #[test]
    fn queue_before_notice_is_refused() {
        let f = flow(serde_json::json!({
            "a": {"type":"answer","next":"m"},
            "m": {"type":"menu","prompt":"p","digits":{"1":"q","2":"n"},"timeout":"n","invalid":"n"},
            "n": {"type":"notice","prompt":"p","next":"q"},
            "q": {"type":"queue","queue":"x"}
        }));
        let e = validate(&f, |_| true).unwrap_err();
        assert_eq!(e, vec![FlowError::NoticeMissing("q".into())]);
    }

    #[test]
    fn dangling_unreachable_and_prompt_errors() {
        let f = flow(serde_json::json!({
            "a": {"type":"answer","next":"b"},
            "b": {"type":"play","prompts":["missing"],"next":"nowhere"},
            "orphan": {"type":"hangup"}
        }));
        let e = validate(&f, |p| p != "missing").unwrap_err();
        assert!(e.contains(&FlowError::DanglingExit {
            from: "b".into(),
            to: "nowhere".into()
        }));
        assert!(e.contains(&FlowError::MissingPrompt {
            node: "b".into(),
            prompt: "missing".into()
        }));
        assert!(e.contains(&FlowError::Unreachable("orphan".into())));
    }

    #[test]
    fn menus_need_timeout_and_invalid_branches() {
        // the type itself requires both exits: a menu without them does not even parse
        let j = serde_json::json!({"id":"t","version":1,"dids":[],"start":"a","nodes":{
            "a":{"type":"menu","prompt":"p","digits":{"1":"a"},"invalid":"a"}}});
        assert!(serde_json::from_value::<Flow>(j).is_err());
        let f = flow(serde_json::json!({
            "a": {"type":"answer","next":"m"},
            "m": {"type":"menu","prompt":"p","digits":{"12":"m"},"timeout":"m","invalid":"m","timeout_s":30}
        }));
        let e = validate(&f, |_| true).unwrap_err();
        assert!(e.contains(&FlowError::BadMenuKey {
            node: "m".into(),
            key: "12".into()
        }));
        assert!(e.contains(&FlowError::BadMenuTimeout {
            node: "m".into(),
            secs: 30
        }));
    }

    #[test]
    fn playing_before_answer_is_refused() {
        let f = flow(serde_json::json!({
            "a": {"type":"play","prompts":["p"],"next":"b"},
            "b": {"type":"answer","next":"c"},
            "c": {"type":"hangup"}
        }));
        assert_eq!(
            validate(&f, |_| true).unwrap_err(),
            vec![FlowError::NotAnswered("a".into())]
        );
    }
}
