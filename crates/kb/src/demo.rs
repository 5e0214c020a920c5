//! The demo knowledge base, loaded with the demo organisation: the commune-level procedures,
//! FAQs and synonyms shipped in `tongdai_search::demo` (transcribed from the national TTHC
//! database; see `crates/search/data/README.md`). The procedures go through the same import
//! as any file; the FAQs are published under the communes' agencies that answer for them.

use tongdai_search::demo as data;
use tongdai_store::{kb as db, org};

use crate::error::KbError;
use crate::faq::FaqContent;
use crate::import::read_json;
use crate::service::{Actor, ImportOptions, KbService};

/// What the loader did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoKbReport {
    /// False when the catalogue already had procedures (nothing was loaded).
    pub loaded: bool,
    pub procedures: usize,
    pub faqs: usize,
}

/// The tenant whose agencies answer the demo FAQs.
pub const DEMO_TENANT: &str = "xa-an-chau";

/// The agency of the demo tenant that answers for a field of the demo FAQs.
fn agency_for(field: &str) -> &'static str {
    match field {
        "Cư trú" | "Căn cước" => "cong-an-xa",
        "Hộ kinh doanh" | "Đất đai" => "phong-kinh-te",
        "Bảo trợ xã hội" | "Người có công" | "Giảm nghèo" => "phong-vh-xh",
        _ => "vp-hdnd-ubnd",
    }
}

/// Loads the demo knowledge base into an empty catalogue (does nothing otherwise). The FAQs
/// need the demo organisation (tenant `xa-an-chau`); without it only procedures are loaded.
pub async fn load(kb: &KbService) -> Result<DemoKbReport, KbError> {
    let store = kb.store();
    {
        let mut c = store.conn().await?;
        if db::procedure_count(&mut c, true).await? > 0 {
            return Ok(DemoKbReport::default());
        }
    }
    let actor = Actor::system("demo");
    let file = read_json(data::PROCEDURES_JSON.as_bytes())?;
    let report = kb
        .import(
            &file,
            &ImportOptions {
                dry_run: false,
                source: "demo/procedures.json".into(),
            },
            &actor,
        )
        .await?;
    let mut out = DemoKbReport {
        loaded: true,
        procedures: report.created.len(),
        faqs: 0,
    };
    let (tenant, agencies) = {
        let mut c = store.conn().await?;
        let Some(tenant) = org::tenant_by_code(&mut c, DEMO_TENANT).await? else {
            return Ok(out);
        };
        let agencies = org::agencies(&mut c, Some(&[tenant.id])).await?;
        (tenant, agencies)
    };
    let faqs = data::faqs().map_err(|e| KbError::File(e.to_string()))?;
    for f in faqs {
        let field = f.linh_vuc.first().map(String::as_str).unwrap_or("");
        let agency = agencies.iter().find(|a| a.code == agency_for(field));
        let content = FaqContent {
            cau_hoi: f.cau_hoi,
            tra_loi: f.tra_loi,
            linh_vuc: f.linh_vuc,
            tu_khoa: f.tu_khoa,
            thu_tuc_lien_quan: f.thu_tuc_lien_quan,
            co_quan: agency.map_or(f.co_quan, |a| a.name.clone()),
        };
        kb.add_published_faq(&f.id, tenant.id, agency.map(|a| a.id), content, &actor)
            .await?;
        out.faqs += 1;
    }
    Ok(out)
}
