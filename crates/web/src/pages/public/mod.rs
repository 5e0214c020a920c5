//! The citizens' side of cases (CASE-1, CASE-8, CASE-9, CASE-10, ADM-6, SEC-4): the public
//! form and its embeddable copy for the local portal, the lookup by code and phone with rating
//! and reopening, the published answers, and the public API. No session is needed; spam is
//! limited per address and per phone, lookups per address.

pub mod answers;
pub mod api;
pub mod limit;
pub mod lookup;
pub mod submit;

use crate::auth::Ctx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use tongdai_domain::time::to_vietnam;
use tongdai_store::org;

/// The frame of a public page (no staff menu; the embeddable form has no frame at all).
#[derive(Debug, Clone)]
pub struct PublicLayout {
    pub tr: Tr,
    pub title: String,
    pub csrf: String,
    pub tenant: String,
    pub tenant_code: String,
    /// The page is served inside the local portal's frame (ADM-6).
    pub embed: bool,
    /// This page, URL-encoded, for the language switch.
    pub next: String,
}

impl PublicLayout {
    pub fn new(ctx: &Ctx, title: String, tenant: &org::Tenant, embed: bool) -> PublicLayout {
        PublicLayout {
            tr: ctx.tr,
            title,
            csrf: ctx.csrf.clone(),
            tenant: tenant.name.clone(),
            tenant_code: tenant.code.clone(),
            embed,
            next: crate::auth::urlencode(&ctx.uri),
        }
    }
}

/// The tenant a public page is for: the one named by `don-vi` (its code), else the hotline's
/// top tenant in force today.
pub async fn public_tenant(state: &AppState, code: &str) -> Result<org::Tenant, AppError> {
    let today = to_vietnam(state.now()).date();
    let mut c = state.store.conn().await?;
    let code = code.trim();
    if !code.is_empty() {
        return match org::tenant_by_code(&mut c, code).await? {
            Some(t) if t.validity.contains(today) => Ok(t),
            _ => Err(AppError::NotFound),
        };
    }
    let tenants = org::tenants(&mut c).await?;
    let hotlines = org::hotlines(&mut c, None).await?;
    let with_hotline = |t: &org::Tenant| {
        hotlines
            .iter()
            .any(|h| h.tenant_id == t.id && h.validity.contains(today))
    };
    tenants
        .iter()
        .find(|t| t.parent_id.is_none() && t.validity.contains(today) && with_hotline(t))
        .or_else(|| tenants.iter().find(|t| t.validity.contains(today)))
        .cloned()
        .ok_or(AppError::NotFound)
}

/// The personal-data notice shown on the public forms (SEC-4; Luật Bảo vệ dữ liệu cá nhân
/// 91/2025/QH15, NĐ 356/2025/NĐ-CP): its version is stored with every case.
pub const NOTICE_VI: &str = "Thông báo xử lý dữ liệu cá nhân: Họ tên, số điện thoại, địa chỉ, \
thư điện tử và nội dung ông/bà cung cấp được Ủy ban nhân dân sử dụng để tiếp nhận, xử lý và trả \
lời phản ánh, kiến nghị theo Nghị định 20/2008/NĐ-CP, chỉ chia sẻ với cơ quan có thẩm quyền giải \
quyết, được lưu trữ theo quy định về lưu trữ. Khi công khai câu trả lời, thông tin cá nhân được \
che. Ông/bà có quyền được biết, truy cập, chỉnh sửa, xóa, hạn chế xử lý dữ liệu của mình bằng \
cách liên hệ Tổng đài. Phiên bản 2026.1.";
