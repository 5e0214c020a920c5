//! The demo telephony data (issue 5 point 2), loaded with the demo organisation: a trunk that
//! accepts calls from 127.0.0.1 for the three hotline numbers (so a softphone on the same
//! machine can dial 1800888880), the demo flow of design §3, the queues `tthc`, `pakn` and
//! `general`, and the agents 1001 and 1002 linked to the demo operators `tongdai1` and
//! `tongdai2`.

use super::admin::AgentInput;
use super::sql::db_err;
use super::*;

/// Demo operators and their extensions (also the agents' SIP usernames).
pub const DEMO_AGENTS: &[(&str, &str)] = &[("tongdai1", "1001"), ("tongdai2", "1002")];

/// The hotline numbers of the demo organisation.
pub const DEMO_DIDS: &[&str] = &["1800888880", "1800888889", "1800888898"];

/// What was loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoTelephony {
    /// (extension, account username)
    pub agents: Vec<(String, String)>,
}

/// The demo trunk: the local machine plays the carrier.
pub fn demo_trunk() -> Trunk {
    Trunk {
        id: "demo".into(),
        name: "Nhà mạng mẫu (máy cục bộ)".into(),
        allow: vec![crate::trunk::Cidr {
            addr: std::net::IpAddr::from([127, 0, 0, 1]),
            prefix: 32,
        }],
        outbound_proxy: None,
        dids: DEMO_DIDS.iter().map(|d| d.to_string()).collect(),
        hotline_number: DEMO_DIDS[0].into(),
        max_concurrent: 60,
        max_cps: 10,
        trust_pai: true,
        registration: None,
        outbound_prefixes: Vec::new(),
    }
}

fn demo_queue(id: &str, name: &str, tiers: &[(&str, u32)]) -> QueueRow {
    let v = serde_json::json!({ "id": id, "name": name, "tiers": [] });
    let mut q: QueueRow =
        serde_json::from_value(v).unwrap_or_else(|e| unreachable!("the demo queue is valid: {e}"));
    q.tiers = tiers
        .iter()
        .enumerate()
        .map(|(i, (agent, level))| TierRow {
            agent_id: agent.to_string(),
            level: *level,
            position: i as u32,
        })
        .collect();
    q
}

/// Load the demo telephony data when the telephony tables are empty (no flow, no agent).
/// Agents get `sip_password`; the demo accounts must exist for the links (missing ones are
/// left unlinked). Returns `None` when there was something already.
pub async fn seed(
    s: &SqlStore,
    sip_password: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<DemoTelephony>> {
    let (flows, agents): (i64, i64) = {
        let mut c = s.db.conn().await.map_err(db_err)?;
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM flows), (SELECT COUNT(*) FROM agents)")
            .fetch_one(&mut *c)
            .await
            .map_err(db_err)?
    };
    if flows > 0 || agents > 0 {
        return Ok(None);
    }
    let mut report = DemoTelephony::default();
    for (username, ext) in DEMO_AGENTS {
        let account: Option<(i64, String)> = {
            let mut c = s.db.conn().await.map_err(db_err)?;
            sqlx::query_as("SELECT id, display_name FROM accounts WHERE username = $1")
                .bind(*username)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_err)?
        };
        s.put_agent(
            &AgentInput {
                id: ext.to_string(),
                display_name: account
                    .as_ref()
                    .map_or_else(|| format!("Điện thoại viên {ext}"), |a| a.1.clone()),
                sip_username: ext.to_string(),
                sip_password: Some(sip_password.to_owned()),
                account_id: account.map(|a| a.0),
                wrap_up_s: None,
            },
            now,
        )
        .await?;
        report.agents.push((ext.to_string(), username.to_string()));
    }
    s.put_trunk(&demo_trunk(), now).await?;
    for q in [
        demo_queue(
            "tthc",
            "Hướng dẫn thủ tục hành chính",
            &[("1001", 1), ("1002", 2)],
        ),
        demo_queue("pakn", "Phản ánh, kiến nghị", &[("1002", 1), ("1001", 2)]),
        demo_queue("general", "Tổng đài viên", &[("1001", 1), ("1002", 1)]),
    ] {
        s.put_queue(&q, now).await?;
    }
    let flow = crate::flow::demo_flow("demo", DEMO_DIDS);
    let v = s
        .save_flow(&flow, "Luồng mẫu (thiết kế §3)", None, now)
        .await?;
    s.activate_flow("demo", v, now).await?;
    Ok(Some(report))
}
