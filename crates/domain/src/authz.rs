//! Who may do what, and which records they see: the one authorization table.
//!
//! Deny by default: a (role, resource, action) that is not listed here is refused. Record
//! visibility narrows every read (lists, detail pages, search, counts, exports) to the rows a
//! role may see.

use crate::role::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Account,
    Contact,
    Lead,
    Opportunity,
    /// Calls, e-mails, meetings, tasks and notes.
    Activity,
    Campaign,
    /// Public web-to-lead forms.
    WebForm,
    /// Sales process configuration: pipelines and stages, qualification criteria and scoring,
    /// discount approval limits.
    Pipeline,
    /// The catalogue: products, services, tax categories and price lists.
    Product,
    /// Cost prices of products (hidden from reps and customers).
    ProductCost,
    Quote,
    SalesOrder,
    /// Warehouses, stock levels and the stock ledger (receipts, adjustments).
    Stock,
    /// Deliveries: pick releases with their delivery notes, and shipments; quality inspection.
    Delivery,
    /// Invoices and credit notes.
    Invoice,
    User,
    Audit,
    /// The company's name, address, VAT id and bank details printed on every quote and
    /// invoice, and the tax categories: the books' master data (separation of duties: not
    /// the sales side's to change).
    CompanySettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Create,
    Update,
    Archive,
    Export,
    /// Choose another user as the owner of a record.
    Assign,
}

/// Which rows of a resource a role sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only records the user owns.
    Own,
    /// Records owned by anyone in the user's team.
    Team,
    /// Every record.
    All,
}

/// What a role may do with a resource; `None` when the resource is closed to the role.
pub fn grant(role: Role, resource: Resource) -> Option<(Visibility, &'static [Action])> {
    use Action::*;
    use Resource::*;
    const FULL: &[Action] = &[Read, Create, Update, Archive, Export, Assign];
    const WORK: &[Action] = &[Read, Create, Update, Archive, Export];
    const READ: &[Action] = &[Read];
    const READ_UPDATE: &[Action] = &[Read, Update];
    match (role, resource) {
        (Role::Admin, _) => Some((Visibility::All, FULL)),
        // Everyone keeps their own to-do list; managers see and reassign their team's.
        (Role::SalesManager, Activity) => Some((Visibility::Team, FULL)),
        (_, Activity) => Some((Visibility::Own, WORK)),
        (Role::SalesManager, Account | Contact | Lead | Opportunity) => {
            Some((Visibility::Team, FULL))
        }
        (Role::SalesRep, Account | Contact | Lead | Opportunity) => Some((Visibility::Own, WORK)),
        (Role::SalesManager, Pipeline) => Some((Visibility::All, &[Read, Create, Update])),
        (Role::SalesRep | Role::Marketing | Role::Finance, Pipeline) => {
            Some((Visibility::All, READ))
        }
        (Role::Marketing | Role::Finance, Opportunity) => Some((Visibility::All, READ)),
        (Role::Marketing, Campaign | WebForm) => Some((Visibility::All, FULL)),
        (Role::SalesManager | Role::SalesRep, Campaign) => Some((Visibility::All, READ)),
        (Role::SalesManager, Product) => Some((Visibility::All, WORK)),
        (_, Product) => Some((Visibility::All, READ)),
        (Role::SalesManager, ProductCost) => Some((Visibility::All, READ_UPDATE)),
        (Role::Finance, ProductCost) => Some((Visibility::All, READ)),
        (Role::SalesManager, Quote | SalesOrder) => Some((Visibility::Team, FULL)),
        (Role::SalesRep, Quote) => Some((Visibility::Own, WORK)),
        (Role::SalesRep, SalesOrder) => Some((Visibility::Own, &[Read, Export])),
        (Role::Finance, Quote) => Some((Visibility::All, READ)),
        (Role::Finance | Role::Warehouse, SalesOrder) => Some((Visibility::All, READ)),
        (Role::Warehouse, Stock | Delivery) => {
            Some((Visibility::All, &[Read, Create, Update, Export]))
        }
        (Role::SalesManager, Delivery) => Some((Visibility::Team, READ)),
        (Role::SalesRep, Delivery) => Some((Visibility::Own, READ)),
        (Role::Finance, Delivery) => Some((Visibility::All, READ)),
        (Role::Finance, Invoice) => Some((Visibility::All, &[Read, Create, Update, Export])),
        (Role::SalesManager, Invoice) => Some((Visibility::Team, READ)),
        (Role::SalesRep, Invoice) => Some((Visibility::Own, READ)),
        (Role::SalesManager | Role::SalesRep | Role::Finance, Stock) => {
            Some((Visibility::All, READ))
        }
        (Role::SalesManager, WebForm) => Some((Visibility::All, READ)),
        (Role::Finance, CompanySettings) => Some((Visibility::All, READ_UPDATE)),
        (Role::SalesManager, CompanySettings) => Some((Visibility::All, READ)),
        (Role::Marketing, Lead) => Some((Visibility::All, FULL)),
        (Role::Marketing, Account | Contact) => Some((Visibility::All, READ)),
        (Role::Finance, Account | Contact) => Some((Visibility::All, READ_UPDATE)),
        (Role::Support, Contact) => Some((Visibility::All, READ_UPDATE)),
        (Role::Support | Role::Warehouse, Account) => Some((Visibility::All, READ)),
        (Role::Warehouse, Contact) => Some((Visibility::All, READ)),
        _ => None,
    }
}

pub fn allows(role: Role, resource: Resource, action: Action) -> bool {
    grant(role, resource).is_some_and(|(_, actions)| actions.contains(&action))
}

pub fn visibility(role: Role, resource: Resource) -> Option<Visibility> {
    grant(role, resource).map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_by_default() {
        assert!(!allows(Role::Warehouse, Resource::Lead, Action::Read));
        assert!(!allows(Role::SalesRep, Resource::User, Action::Read));
        assert!(!allows(Role::SalesManager, Resource::Audit, Action::Read));
        assert!(!allows(Role::SalesRep, Resource::Lead, Action::Assign));
        assert!(allows(Role::Admin, Resource::Audit, Action::Read));
        assert!(!allows(Role::SalesRep, Resource::ProductCost, Action::Read));
        assert!(allows(Role::SalesRep, Resource::Product, Action::Read));
        assert!(!allows(Role::SalesRep, Resource::Product, Action::Update));
        assert!(!allows(
            Role::SalesManager,
            Resource::CompanySettings,
            Action::Update
        ));
        assert!(allows(
            Role::Finance,
            Resource::CompanySettings,
            Action::Update
        ));
        assert!(allows(
            Role::Admin,
            Resource::CompanySettings,
            Action::Update
        ));
    }

    #[test]
    fn visibility_per_role() {
        assert_eq!(
            visibility(Role::SalesRep, Resource::Lead),
            Some(Visibility::Own)
        );
        assert_eq!(
            visibility(Role::SalesManager, Resource::Lead),
            Some(Visibility::Team)
        );
        assert_eq!(
            visibility(Role::Marketing, Resource::Lead),
            Some(Visibility::All)
        );
        assert_eq!(visibility(Role::Finance, Resource::Lead), None);
    }
}
