//! In-app notifications (CASE-5): the list, marking them read, and the live stream that puts
//! them on screen as they arrive (`GET /events`, server-sent events).
//!
//! The database is the source of truth, so the stream works with several web nodes: it
//! re-reads the account's notifications after the last one it sent whenever the case service
//! commits something that notifies (`CaseService::live`) and at least every few seconds (a
//! commit made on another node). It checks that the session is still live without extending
//! it, so an open tab does not keep an idle session alive.

use crate::auth::{Ctx, Via};
use crate::error::AppError;
use crate::flash;
use crate::layout::Layout;
use crate::pages::{redirect_with, render_page};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Duration;
use tongdai_domain::time::datetime_short_vi;
use tongdai_store::notifications;

/// How often the stream re-reads the database when nothing woke it.
pub const POLL: Duration = Duration::from_secs(3);

/// A notification as listed.
#[derive(Debug, Clone)]
pub struct NotificationView {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: String,
    pub at: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    items: Vec<NotificationView>,
    up_to: i64,
    unread: i64,
}

/// `GET /notifications`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let (list, unread) = {
        let mut c = state.store.conn().await?;
        (
            notifications::latest(&mut c, user.account.id, 100).await?,
            notifications::unread_count(&mut c, user.account.id).await?,
        )
    };
    let page = NotificationsPage {
        layout: Layout::new(&ctx, "notifications.title", flash::read(&headers)),
        up_to: list.first().map_or(0, |n| n.id),
        items: list
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                title: n.title,
                body: n.body,
                link: crate::pages::safe_next(&n.link),
                at: datetime_short_vi(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect(),
        unread,
    };
    render_page(&page, &headers)
}

#[derive(Debug, Deserialize)]
pub struct ReadForm {
    #[serde(default)]
    up_to: String,
}

/// `POST /notifications/read`: mark the account's notifications read up to an id.
pub async fn mark_read(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ReadForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let up_to = f
        .up_to
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("Thiếu mã thông báo.".into()))?;
    let mut tx = state.store.begin().await?;
    notifications::mark_read(&mut tx, user.account.id, up_to, state.now()).await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/notifications",
        "success",
        ctx.tr.t("notifications.marked"),
    ))
}

/// A notification as the stream sends it.
#[derive(Debug, Serialize)]
struct Pushed {
    id: i64,
    kind: String,
    title: String,
    body: String,
    link: String,
    at: String,
}

struct Stream {
    state: AppState,
    account: i64,
    session: Option<String>,
    after: i64,
    queue: VecDeque<Event>,
    started: bool,
}

impl Stream {
    /// The next events: new notifications after the last one sent, then the unread count.
    async fn fill(&mut self) -> Result<bool, AppError> {
        let mut c = self.state.store.conn().await?;
        if let Some(hash) = &self.session
            && !tongdai_store::sessions::is_live(&mut c, hash, self.state.now()).await?
        {
            return Ok(false);
        }
        let fresh = notifications::since(&mut c, self.account, self.after, 50).await?;
        let first = !self.started;
        self.started = true;
        if fresh.is_empty() && !first {
            return Ok(true);
        }
        for n in fresh {
            self.after = n.id;
            let data = serde_json::to_string(&Pushed {
                id: n.id,
                kind: n.kind,
                title: n.title,
                body: n.body,
                link: crate::pages::safe_next(&n.link),
                at: datetime_short_vi(n.created_at),
            })
            .unwrap_or_default();
            self.queue.push_back(
                Event::default()
                    .event("notification")
                    .id(n.id.to_string())
                    .data(data),
            );
        }
        let unread = notifications::unread_count(&mut c, self.account).await?;
        self.queue
            .push_back(Event::default().event("unread").data(unread.to_string()));
        Ok(true)
    }

    async fn next(mut self) -> Option<(Result<Event, std::convert::Infallible>, Stream)> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Some((Ok(e), self));
            }
            // Listen before reading, so a commit between the read and the wait still wakes us.
            let live = self.state.cases.live.clone();
            let woken = live.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            match self.fill().await {
                Ok(true) if !self.queue.is_empty() => continue,
                Ok(true) => {}
                Ok(false) | Err(_) => return None,
            }
            tokio::select! {
                () = &mut woken => {},
                () = tokio::time::sleep(POLL) => {},
            }
        }
    }
}

/// `GET /events`: the live stream of the signed-in user's notifications (`notification`
/// events with JSON, and `unread` with the count). A reconnecting browser sends the last id it
/// saw (`Last-Event-ID`) and gets what it missed.
pub async fn events(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let last_seen = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let after = match last_seen {
        Some(id) => id,
        None => {
            let mut c = state.store.conn().await?;
            notifications::latest(&mut c, user.account.id, 1)
                .await?
                .first()
                .map_or(0, |n| n.id)
        }
    };
    let stream = Stream {
        session: match user.via {
            Via::Session => user.session_hash.clone(),
            Via::ApiToken => None,
        },
        account: user.account.id,
        state,
        after,
        queue: VecDeque::new(),
        started: false,
    };
    let body = futures_util::stream::unfold(stream, Stream::next);
    Ok(Sse::new(body)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
