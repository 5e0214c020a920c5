//! A fresh database per test (SQLite, or PostgreSQL with TONGDAI_TEST_BACKEND=postgres) with
//! the demo organisation, a knowledge-base service over it, and actors of every role.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tongdai_domain::access::{Grant, Role};
use tongdai_domain::time::Clock;
use tongdai_kb::{Actor, KbService, import};
use tongdai_store::clock::SystemClock;
use tongdai_store::testing::TestDb;
use tongdai_store::{Store, accounts, demo, org};

pub const PASSWORD: &str = "Mật khẩu thử nghiệm 2026";

pub struct Kb {
    pub db: TestDb,
    pub kb: KbService,
    pub clock: Arc<SystemClock>,
}

impl Kb {
    /// An empty catalogue over the demo organisation.
    pub async fn new() -> Kb {
        let db = TestDb::new().await;
        let clock = SystemClock::shared();
        demo::seed(&db.store, PASSWORD, clock.now())
            .await
            .expect("demo organisation");
        let kb = KbService::new(db.store.clone(), clock.clone() as Arc<dyn Clock>);
        Kb { db, kb, clock }
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    /// Another node (or a restarted server) on the same database.
    pub fn other_node(&self) -> KbService {
        let mut kb = KbService::new(self.db.store.clone(), self.clock.clone() as Arc<dyn Clock>);
        kb.refresh_every = Duration::ZERO;
        kb
    }

    pub async fn tenant(&self, code: &str) -> i64 {
        let mut c = self.store().conn().await.unwrap();
        org::tenant_by_code(&mut c, code)
            .await
            .unwrap()
            .expect("tenant")
            .id
    }

    pub async fn agency(&self, tenant: &str, code: &str) -> i64 {
        let t = self.tenant(tenant).await;
        let mut c = self.store().conn().await.unwrap();
        org::agencies(&mut c, Some(&[t]))
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.code == code)
            .expect("agency")
            .id
    }

    /// An account with one grant, as an actor.
    pub async fn actor(
        &self,
        username: &str,
        role: Role,
        tenant: Option<&str>,
        agency: Option<(&str, &str)>,
    ) -> Actor {
        let tenant_id = match tenant {
            Some(t) => Some(self.tenant(t).await),
            None => None,
        };
        let agency_id = match agency {
            Some((t, a)) => Some(self.agency(t, a).await),
            None => None,
        };
        let mut tx = self.store().begin().await.unwrap();
        let id = accounts::create(
            &mut tx,
            &accounts::NewAccount {
                username: username.into(),
                display_name: format!("Người dùng {username}"),
                email: String::new(),
                phone: String::new(),
                tenant_id,
                password: PASSWORD.into(),
                must_change_password: false,
            },
            self.clock.now(),
        )
        .await
        .unwrap();
        accounts::set_grants(
            &mut tx,
            id,
            &[Grant::new(role, tenant_id, agency_id).unwrap()],
            self.clock.now(),
        )
        .await
        .unwrap();
        let account = accounts::get(&mut tx, id).await.unwrap();
        let principal = accounts::principal(&mut tx, &account).await.unwrap();
        tx.commit().await.unwrap();
        Actor::user(principal, "127.0.0.1")
    }

    pub async fn admin(&self) -> Actor {
        self.actor("qt.kb", Role::Admin, None, None).await
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        let mut c = self.store().conn().await.unwrap();
        let mut e = tongdai_store::audit::list(
            &mut c,
            &tongdai_store::audit::Filter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        e.reverse();
        e.into_iter().map(|e| e.action).collect()
    }

    pub async fn changes(&self) -> i64 {
        let mut c = self.store().conn().await.unwrap();
        tongdai_store::kb::last_change(&mut c).await.unwrap()
    }
}

/// A valid record of the schema.
pub fn record(code: &str, name: &str) -> Value {
    json!({
        "ma_tthc": code,
        "ten_tthc": name,
        "cap_thuc_hien": ["Cấp Xã"],
        "linh_vuc": [{"ten": "Hộ tịch"}],
        "co_quan_thuc_hien": [{"ten_don_vi": "Ủy ban nhân dân cấp xã"}],
        "cach_thuc_thuc_hien": [
            {"kenh": 1, "thoi_han": [{"gia_tri": 3, "don_vi": "Ngày làm việc"}],
             "phi_le_phi": [{"loai": "Lệ phí", "so_tien": 8000, "don_vi": "Đồng"}]},
            {"kenh": 2, "thoi_han": [{"gia_tri": 3, "don_vi": "Ngày làm việc"}]}
        ],
        "thanh_phan_ho_so": [{"giay_to": [{"ten_giay_to": "Tờ khai theo mẫu", "so_ban_chinh": 1,
            "mau_don": {"ten": "Mẫu tờ khai", "url": "https://dichvucong.gov.vn/mau.docx"}}]}],
        "ket_qua": [{"ten": "Giấy xác nhận"}],
        "muc_do_dvc": "toàn trình",
        "dvc_url": "https://dichvucong.gov.vn/p/home/dvc-chi-tiet.html",
        "nguon_url": "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1"
    })
}

/// A JSON import file of these values, pretty-printed (one field per line).
pub fn json_file(values: &[Value]) -> import::SourceFile {
    let text = serde_json::to_string_pretty(&Value::Array(values.to_vec())).unwrap();
    import::read_json(text.as_bytes()).unwrap()
}
