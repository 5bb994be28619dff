//! The navigation bar, derived from the one role table: an entry is shown only when the
//! signed-in role may perform the action behind it, so no page offers what the API would
//! refuse.

use jixiao_app::auth::{Action, Claims};

/// One entry of the navigation bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavItem {
    /// Chinese label.
    pub label: &'static str,
    /// Where it goes.
    pub href: String,
    /// Whether it is the current page's section.
    pub current: bool,
}

/// The sections of the site: label, the action it needs, and whether it belongs to one unit.
const SECTIONS: [(&str, Action, Section); 7] = [
    ("本单位", Action::Read, Section::Unit),
    ("记录业务", Action::Record, Section::Record),
    ("全部单位", Action::MonitorAll, Section::Bureau),
    ("待审批", Action::Decide, Section::Inbox),
    ("复核自评表", Action::RecheckTables, Section::Recheck),
    ("用户管理", Action::ManageUsers, Section::Users),
    ("单位管理", Action::Import, Section::Units),
];

/// A section of the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The unit's year.
    Unit,
    /// The recording forms.
    Record,
    /// The finance bureau's view of all units.
    Bureau,
    /// The approvals inbox.
    Inbox,
    /// The 复核 of published tables.
    Recheck,
    /// User administration.
    Users,
    /// The units, and a new unit's budget import.
    Units,
    /// None (sign-in, errors).
    None,
}

/// The entries `claims` may use, for the year `year`; the current section marked.
pub fn items(claims: &Claims, year: i32, current: Section) -> Vec<NavItem> {
    SECTIONS
        .iter()
        .filter(|(_, action, _)| action.allowed(claims.role))
        .filter_map(|(label, _, section)| {
            let href = match section {
                // Only unit-scoped roles have "their" unit; the bureau drills down instead.
                Section::Unit => format!("/units/{}/{year}", claims.unit.as_deref()?),
                Section::Record => format!("/units/{}/{year}/record", claims.unit.as_deref()?),
                Section::Bureau => format!("/bureau/{year}"),
                Section::Inbox => format!("/bureau/{year}/inbox"),
                Section::Recheck => "/recheck".to_string(),
                Section::Users => "/admin/users".to_string(),
                Section::Units => format!("/admin/units?year={year}"),
                Section::None => return None,
            };
            Some(NavItem {
                label,
                href,
                current: *section == current,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jixiao_store::users::Role;

    fn claims(role: Role, unit: Option<&str>) -> Claims {
        Claims {
            sub: "u".into(),
            role,
            unit: unit.map(str::to_string),
            iss: "i".into(),
            aud: "a".into(),
            iat: 0,
            exp: 0,
        }
    }

    fn labels(role: Role, unit: Option<&str>) -> Vec<&'static str> {
        items(&claims(role, unit), 2024, Section::None)
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn each_role_sees_only_the_sections_the_role_table_grants() {
        assert_eq!(labels(Role::Staff, Some("261301")), ["本单位", "记录业务"]);
        assert_eq!(
            labels(Role::UnitHead, Some("261301")),
            ["本单位", "记录业务"]
        );
        assert_eq!(
            labels(Role::Finance, None),
            ["全部单位", "待审批", "复核自评表", "单位管理"]
        );
        assert_eq!(labels(Role::Auditor, None), ["全部单位", "复核自评表"]);
        assert_eq!(labels(Role::Admin, None), ["用户管理", "单位管理"]);
    }

    #[test]
    fn the_unit_links_go_to_the_signed_in_users_own_unit_and_year() {
        let nav = items(&claims(Role::Staff, Some("261301")), 2024, Section::Record);
        assert_eq!(nav[0].href, "/units/261301/2024");
        assert_eq!(nav[1].href, "/units/261301/2024/record");
        assert!(nav[1].current && !nav[0].current);
    }
}
