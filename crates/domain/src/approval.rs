//! Discount approval: how much line discount each role may give without a manager's
//! approval (Settings → Approvals). A quote above its author's limit waits for someone whose
//! own limit covers it.

use crate::error::ValidationErrors;
use crate::role::Role;
use crate::tax::{RateBp, parse_rate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApprovalSettings {
    /// Highest discount per role, in percent ("10", "25"); roles not listed may give none.
    pub discount_limits: BTreeMap<String, String>,
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        let limits = [
            ("sales_rep", "10"),
            ("sales_manager", "25"),
            ("admin", "100"),
        ];
        Self {
            discount_limits: limits
                .into_iter()
                .map(|(r, l)| (r.to_string(), l.to_string()))
                .collect(),
        }
    }
}

impl ApprovalSettings {
    pub fn limit_bp(&self, role: Role) -> RateBp {
        self.discount_limits
            .get(role.as_str())
            .and_then(|l| parse_rate(l))
            .unwrap_or(0)
    }

    /// Roles that may approve a discount of `bp`: their limit covers it and they manage.
    pub fn approvers(&self, bp: RateBp) -> Vec<Role> {
        [Role::SalesManager, Role::Admin]
            .into_iter()
            .filter(|r| self.limit_bp(*r) >= bp)
            .collect()
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        for (role, limit) in &self.discount_limits {
            let field = format!("discount_limits.{role}");
            if role.parse::<Role>().is_err() {
                errors.add(&field, "unknown_role", "is not a role");
            }
            if parse_rate(limit).is_none() {
                errors.add(&field, "invalid_rate", "a percentage from 0 to 100");
            }
        }
        errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_role_with_none_for_unlisted_roles() {
        let s = ApprovalSettings::default();
        assert_eq!(s.limit_bp(Role::SalesRep), 1000);
        assert_eq!(s.limit_bp(Role::SalesManager), 2500);
        assert_eq!(s.limit_bp(Role::Finance), 0);
        assert_eq!(s.approvers(2000), vec![Role::SalesManager, Role::Admin]);
        assert_eq!(s.approvers(3000), vec![Role::Admin]);
        let mut bad = s.clone();
        bad.discount_limits.insert("pilot".into(), "x".into());
        assert_eq!(bad.validate().unwrap_err().0.len(), 2);
    }
}
