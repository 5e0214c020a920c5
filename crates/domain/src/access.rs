//! Roles, permissions and scopes (ADM-2, SEC-2).
//!
//! Every page and API call asks one question: may this principal do `Permission` on a
//! resource that lives at `Target`? The answer depends on the principal's grants: a role bound
//! to a tenant (and so to its sub-tenants) or, for agency roles, to one agency. Data scoping is
//! decided here, once, instead of in each handler.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The roles of the plan (ADM-2). The code is what the database and the API store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Tổng đài viên: answers calls, records cases, reads the directory and knowledge base.
    Operator,
    /// Cán bộ đầu mối: an agency's focal officer; sees its own agency only.
    FocalOfficer,
    /// Thủ trưởng: head of an agency; escalation target; sees its own agency only.
    AgencyHead,
    /// Phòng Nội vụ: classifies and forwards cases, watches deadlines for the whole tenant.
    Coordinator,
    /// Lãnh đạo / Văn phòng HĐND và UBND: reads everything of the tenant, approves.
    Leadership,
    /// Bưu điện: post-office staff; sees its own pickups only.
    PostalStaff,
    /// Thanh tra: recordings and audit, read-only.
    Inspector,
    /// Quản trị hệ thống: organisation, accounts, calendar, security settings.
    Admin,
}

impl Role {
    /// Every role, in the order the UI lists them.
    pub const ALL: [Role; 8] = [
        Role::Operator,
        Role::FocalOfficer,
        Role::AgencyHead,
        Role::Coordinator,
        Role::Leadership,
        Role::PostalStaff,
        Role::Inspector,
        Role::Admin,
    ];

    /// The stable code stored in the database and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::FocalOfficer => "focal_officer",
            Role::AgencyHead => "agency_head",
            Role::Coordinator => "coordinator",
            Role::Leadership => "leadership",
            Role::PostalStaff => "postal_staff",
            Role::Inspector => "inspector",
            Role::Admin => "admin",
        }
    }

    /// The Vietnamese name of the role.
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Operator => "Tổng đài viên",
            Role::FocalOfficer => "Cán bộ đầu mối",
            Role::AgencyHead => "Thủ trưởng cơ quan",
            Role::Coordinator => "Điều phối (Phòng Nội vụ)",
            Role::Leadership => "Lãnh đạo UBND",
            Role::PostalStaff => "Nhân viên bưu điện",
            Role::Inspector => "Thanh tra",
            Role::Admin => "Quản trị hệ thống",
        }
    }

    /// The English name of the role.
    pub fn label_en(self) -> &'static str {
        match self {
            Role::Operator => "Operator",
            Role::FocalOfficer => "Focal officer",
            Role::AgencyHead => "Head of agency",
            Role::Coordinator => "Coordinator (Home Affairs)",
            Role::Leadership => "Leadership",
            Role::PostalStaff => "Post-office staff",
            Role::Inspector => "Inspector",
            Role::Admin => "Administrator",
        }
    }

    /// Agency roles are granted for one agency and see that agency's data only.
    pub fn is_agency_bound(self) -> bool {
        matches!(
            self,
            Role::FocalOfficer | Role::AgencyHead | Role::PostalStaff
        )
    }

    /// What the role may do, wherever its grant reaches.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Operator => &[
                Dashboard,
                DirectoryRead,
                AgencyRead,
                CalendarRead,
                KbRead,
                CaseIntake,
                CaseRead,
                LogbookRead,
                ConsoleUse,
            ],
            Role::FocalOfficer => &[Dashboard, AgencyRead, KbRead, KbEdit, CaseRead],
            Role::AgencyHead => &[
                Dashboard,
                AgencyRead,
                AgencyContactsEdit,
                KbRead,
                KbEdit,
                KbReview,
                CaseRead,
            ],
            Role::Coordinator => &[
                Dashboard,
                DirectoryRead,
                AgencyRead,
                CalendarRead,
                OrgRead,
                KbRead,
                KbManage,
                CaseIntake,
                CaseRead,
                CaseModerate,
                RoutingManage,
                LogbookRead,
                CaseReports,
                CallRecordsRead,
                ConsoleUse,
                ConsoleSupervise,
            ],
            Role::Leadership => &[
                Dashboard,
                DirectoryRead,
                AgencyRead,
                CalendarRead,
                OrgRead,
                KbRead,
                CaseRead,
                LogbookRead,
                CaseReports,
                CallRecordsRead,
            ],
            Role::PostalStaff => &[Dashboard, AgencyRead],
            Role::Inspector => &[
                Dashboard,
                AuditRead,
                OrgRead,
                CallRecordsRead,
                RecordingAccess,
            ],
            Role::Admin => &[
                Dashboard,
                DirectoryRead,
                AgencyRead,
                AgencyContactsEdit,
                CalendarRead,
                CalendarManage,
                OrgRead,
                OrgManage,
                AccountsManage,
                SecurityManage,
                AuditRead,
                KbRead,
                KbEdit,
                KbManage,
                RoutingManage,
                TelephonyManage,
                CallRecordsRead,
                RecordingAccess,
                ConsoleUse,
                ConsoleSupervise,
            ],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A role code that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// Things a principal may be allowed to do. Permissions are about actions; where they apply
/// is decided by the grant's scope (see [`Principal::allows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the start page.
    Dashboard,
    /// Read the directory of agencies and their focal officers (for transfers and forwarding).
    DirectoryRead,
    /// Read an agency's own page: its officers, fields and phone numbers.
    AgencyRead,
    /// Edit an agency's focal officers and phone numbers.
    AgencyContactsEdit,
    /// Read the working calendar.
    CalendarRead,
    /// Declare days off, make-up days and office hours.
    CalendarManage,
    /// Read the organisation tree, administrative units, fields and categories.
    OrgRead,
    /// Change the organisation tree, administrative units, fields and categories.
    OrgManage,
    /// Create and change accounts and their roles.
    AccountsManage,
    /// Security settings: second factor per role, lock-outs.
    SecurityManage,
    /// Read the audit log.
    AuditRead,
    /// Search and read the knowledge base: procedures, published FAQs (KB-1, KB-3).
    KbRead,
    /// Write and submit FAQs of one's agency (KB-2).
    KbEdit,
    /// Approve, send back or withdraw FAQs of one's agency (KB-2).
    KbReview,
    /// Import and edit procedures and synonyms; a tenant's local copies and synonyms at
    /// tenant scope, the national catalogue and global synonyms at global scope (KB-1, KB-3).
    KbManage,
    /// Record a case from a call or a letter (CASE-1); operators and coordinators.
    CaseIntake,
    /// Open the case lists and case pages; which cases is decided by the case's tenant and
    /// agencies (SEC-2), what may be done by the domain's rights table (CASE-3 … CASE-12).
    CaseRead,
    /// Moderate and publish answers on the portal (CASE-10).
    CaseModerate,
    /// Edit the routing rules that suggest an agency (CASE-4).
    RoutingManage,
    /// Read, print and export the logbook, *sổ theo dõi* (CASE-11).
    LogbookRead,
    /// Read the daily summaries (CASE-13).
    CaseReports,
    /// Administer telephony: call flows, queues, agents, trunks, prompts, the office-hours
    /// override (TEL-2, TEL-3).
    TelephonyManage,
    /// Read call records (TEL-8).
    CallRecordsRead,
    /// Play and download call recordings, with a stated reason, and put them on legal hold
    /// (TEL-7, SEC-3).
    RecordingAccess,
    /// Use the operator console: engine events, commands on one's own agent (TEL-9).
    ConsoleUse,
    /// Command any agent and any call from the console (supervisors).
    ConsoleSupervise,
}

/// One role granted to an account, where it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    /// The tenant the grant covers, with its sub-tenants; `None` covers every tenant.
    pub tenant_id: Option<i64>,
    /// For agency roles, the one agency the grant covers.
    pub agency_id: Option<i64>,
}

/// A grant that does not make sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("the role {0} needs an agency")]
    AgencyRequired(Role),
    #[error("the role {0} applies to a tenant, not to one agency")]
    AgencyNotAllowed(Role),
}

impl Grant {
    /// A validated grant: agency roles need an agency, the others must not have one.
    pub fn new(
        role: Role,
        tenant_id: Option<i64>,
        agency_id: Option<i64>,
    ) -> Result<Self, GrantError> {
        match (role.is_agency_bound(), agency_id) {
            (true, None) => Err(GrantError::AgencyRequired(role)),
            (false, Some(_)) => Err(GrantError::AgencyNotAllowed(role)),
            _ => Ok(Grant {
                role,
                tenant_id,
                agency_id,
            }),
        }
    }

    fn covers(&self, target: &Target) -> bool {
        if self.role.is_agency_bound() {
            return self.agency_id.is_some() && self.agency_id == target.agency_id;
        }
        match self.tenant_id {
            None => true,
            Some(t) => target.tenant_path.contains(&t),
        }
    }
}

/// Where a resource lives: its tenant with the tenant's ancestors, and its agency if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The resource's tenant first, then its parent, up to the root. Empty for resources that
    /// belong to no tenant (global settings).
    pub tenant_path: Vec<i64>,
    /// The agency that owns the resource, if it is agency data.
    pub agency_id: Option<i64>,
}

impl Target {
    /// A resource that belongs to no tenant: global settings, the account list.
    pub fn global() -> Self {
        Target::default()
    }
}

/// The authenticated party of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
}

impl Principal {
    /// Whether any grant carries the permission, regardless of where (for menus and for
    /// routes that list only what the principal may see).
    pub fn has(&self, p: Permission) -> bool {
        self.grants
            .iter()
            .any(|g| g.role.permissions().contains(&p))
    }

    /// Whether the principal may do `p` on a resource at `target`.
    ///
    /// Global resources (an empty tenant path) are only reachable through grants that cover
    /// every tenant; an agency role never reaches them.
    pub fn allows(&self, p: Permission, target: &Target) -> bool {
        self.grants
            .iter()
            .any(|g| g.role.permissions().contains(&p) && g.covers(target))
    }

    /// The roles the principal holds, without duplicates.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// The agencies the principal's agency roles are bound to.
    pub fn agency_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.grants.iter().filter_map(|g| g.agency_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Tenants the principal reaches with `p` through tenant-wide grants; `None` = all.
    pub fn tenant_scope(&self, p: Permission) -> Option<Vec<i64>> {
        let mut ids = Vec::new();
        for g in self
            .grants
            .iter()
            .filter(|g| g.role.permissions().contains(&p))
        {
            if g.role.is_agency_bound() {
                continue;
            }
            match g.tenant_id {
                None => return None,
                Some(t) => ids.push(t),
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(grants: Vec<Grant>) -> Principal {
        Principal {
            account_id: 1,
            username: "u".into(),
            display_name: "U".into(),
            grants,
        }
    }

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn agency_roles_need_an_agency_sec_2() {
        assert_eq!(
            Grant::new(Role::FocalOfficer, Some(1), None),
            Err(GrantError::AgencyRequired(Role::FocalOfficer))
        );
        assert_eq!(
            Grant::new(Role::Operator, Some(1), Some(3)),
            Err(GrantError::AgencyNotAllowed(Role::Operator))
        );
    }

    #[test]
    fn officer_sees_own_agency_only_sec_2() {
        let p = principal(vec![
            Grant::new(Role::FocalOfficer, Some(1), Some(10)).unwrap(),
        ]);
        let own = Target {
            tenant_path: vec![1],
            agency_id: Some(10),
        };
        let other = Target {
            tenant_path: vec![1],
            agency_id: Some(11),
        };
        assert!(p.allows(Permission::AgencyRead, &own));
        assert!(!p.allows(Permission::AgencyRead, &other));
        assert!(!p.allows(
            Permission::AgencyRead,
            &Target {
                tenant_path: vec![1],
                agency_id: None
            }
        ));
        assert!(!p.allows(Permission::AgencyContactsEdit, &own));
    }

    #[test]
    fn tenant_grant_covers_sub_tenants_only() {
        let p = principal(vec![Grant::new(Role::Coordinator, Some(2), None).unwrap()]);
        // commune 5 under province 2
        assert!(p.allows(
            Permission::AgencyRead,
            &Target {
                tenant_path: vec![5, 2],
                agency_id: Some(9)
            }
        ));
        assert!(!p.allows(
            Permission::AgencyRead,
            &Target {
                tenant_path: vec![1],
                agency_id: Some(3)
            }
        ));
        assert_eq!(p.tenant_scope(Permission::AgencyRead), Some(vec![2]));
        assert!(!p.allows(
            Permission::OrgManage,
            &Target {
                tenant_path: vec![2],
                agency_id: None
            }
        ));
    }

    #[test]
    fn global_admin_reaches_everything() {
        let p = principal(vec![Grant::new(Role::Admin, None, None).unwrap()]);
        assert!(p.allows(Permission::OrgManage, &Target::global()));
        assert!(p.allows(
            Permission::AgencyRead,
            &Target {
                tenant_path: vec![7],
                agency_id: Some(1)
            }
        ));
        assert_eq!(p.tenant_scope(Permission::OrgRead), None);
        let tenant_admin = principal(vec![Grant::new(Role::Admin, Some(2), None).unwrap()]);
        assert!(!tenant_admin.allows(Permission::AccountsManage, &Target::global()));
    }
}
