//! The roles of SPEC.md "Who uses it".

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    SalesManager,
    SalesRep,
    Marketing,
    Warehouse,
    Finance,
    Support,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::SalesManager,
        Role::SalesRep,
        Role::Marketing,
        Role::Warehouse,
        Role::Finance,
        Role::Support,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::SalesManager => "sales_manager",
            Role::SalesRep => "sales_rep",
            Role::Marketing => "marketing",
            Role::Warehouse => "warehouse",
            Role::Finance => "finance",
            Role::Support => "support",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::SalesManager => "Sales manager",
            Role::SalesRep => "Sales rep",
            Role::Marketing => "Marketing",
            Role::Warehouse => "Warehouse / QA",
            Role::Finance => "Finance",
            Role::Support => "Support",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role '{s}' (one of: {})",
                    Role::ALL.map(Role::as_str).join(", ")
                )
            })
    }
}
