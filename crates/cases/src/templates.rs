//! The words of notifications (CH-5: Vietnamese templates). A confidential case (*tố cáo*)
//! never shows the caller's identity, in any channel.

use tongdai_domain::case::{Case, NotificationKind};
use tongdai_domain::time::datetime_short_vi;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub title: String,
    pub body: String,
}

fn excerpt(case: &Case) -> String {
    let s: String = case.content.chars().take(160).collect();
    if case.content.chars().count() > 160 {
        format!("{s}…")
    } else {
        s
    }
}

/// A message for staff about a case.
pub fn for_staff(
    kind: NotificationKind,
    case: &Case,
    due: Option<tongdai_domain::Instant>,
) -> Message {
    let code = &case.code;
    let title = format!("{} — {code}", kind.label_vi());
    let mut body = format!(
        "Hồ sơ {code} ({}), tiếp nhận lúc {}.",
        case.kind.label_vi(),
        datetime_short_vi(case.received_at)
    );
    if !case.confidential {
        body.push_str(&format!(
            "\nNgười gửi: {} — {}.",
            case.caller.name,
            case.caller.phone.display()
        ));
        body.push_str(&format!("\nNội dung: {}", excerpt(case)));
    } else {
        body.push_str("\n(Thông tin người gửi được giữ bí mật.)");
    }
    if let Some(due) = due {
        body.push_str(&format!("\nHạn xử lý: {}.", datetime_short_vi(due)));
    }
    Message { title, body }
}

/// A message for the citizen (e-mail now; SMS and Zalo use the same words).
pub fn for_citizen(kind: NotificationKind, case: &Case, lookup_url: &str) -> Message {
    let code = &case.code;
    let (title, line) = match kind {
        NotificationKind::Received => (
            format!("Tổng đài đã tiếp nhận yêu cầu {code}"),
            "Yêu cầu của ông/bà đã được tiếp nhận. Ông/bà có thể tra cứu tình trạng bằng mã hồ sơ và số điện thoại.".to_owned(),
        ),
        NotificationKind::Answered | NotificationKind::AnsweredOnCall => (
            format!("Trả lời yêu cầu {code}"),
            match &case.answer {
                Some(a) => format!("Nội dung trả lời:\n{}", a.text),
                None => "Yêu cầu của ông/bà đã được trả lời.".to_owned(),
            },
        ),
        NotificationKind::Redirected | NotificationKind::NotAccepted | NotificationKind::ForwardedOut => (
            format!("Kết quả tiếp nhận yêu cầu {code}"),
            match &case.resolution {
                Some(r) => serde_json::to_value(r)
                    .ok()
                    .and_then(|v| ["guidance", "reason", "text"].iter().find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(str::to_owned)))
                    .unwrap_or_else(|| kind.label_vi().to_owned()),
                None => kind.label_vi().to_owned(),
            },
        ),
        other => (format!("{} — {code}", other.label_vi()), format!("Hồ sơ {code}: {}.", other.label_vi())),
    };
    let mut body = format!("Kính gửi ông/bà {},\n\n{line}", case.caller.name);
    if !lookup_url.is_empty() {
        body.push_str(&format!("\n\nTra cứu: {lookup_url}"));
    }
    body.push_str("\n\nTổng đài hỗ trợ thủ tục hành chính.");
    Message { title, body }
}
