//! Which cases a principal sees (SEC-2): tenant roles their tenants and sub-tenants; agency roles
//! the cases forwarded to their agency; the others none.

use tongdai_domain::access::{Principal, Role};
use tongdai_store::cases::Scope;
use tongdai_store::{AnyConnection, StoreError, org};

/// The roles that work with cases across a tenant.
const TENANT_ROLES: [Role; 3] = [Role::Operator, Role::Coordinator, Role::Leadership];

/// The case scope of a principal.
pub async fn of(c: &mut AnyConnection, p: &Principal) -> Result<Scope, StoreError> {
    let mut tenants = Vec::new();
    let mut all = false;
    let mut agencies = Vec::new();
    for g in &p.grants {
        if TENANT_ROLES.contains(&g.role) {
            match g.tenant_id {
                None => all = true,
                Some(t) => tenants.extend(org::tenant_subtree(c, t).await?),
            }
        } else if matches!(g.role, Role::FocalOfficer | Role::AgencyHead) {
            agencies.extend(g.agency_id);
        }
    }
    tenants.sort_unstable();
    tenants.dedup();
    agencies.sort_unstable();
    agencies.dedup();
    Ok(Scope {
        tenants: if all { None } else { Some(tenants) },
        agencies,
    })
}

/// Whether a principal works with cases at all.
pub fn works_with_cases(p: &Principal) -> bool {
    p.grants.iter().any(|g| {
        TENANT_ROLES.contains(&g.role) || matches!(g.role, Role::FocalOfficer | Role::AgencyHead)
    })
}
