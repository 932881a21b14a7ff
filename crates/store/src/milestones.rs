//! The milestones of a case (when it became a lead, an opportunity, was quoted, ordered,
//! shipped, invoiced and paid) and the spans measured between them. One definition serves the
//! set-based summaries and the append path that extends a summary from new events.

/// When a milestone is reached: the first step of `entity` that is `activity` or leads to
/// `state`.
pub(crate) struct Milestone {
    pub name: &'static str,
    entity: &'static str,
    on: Reached,
}

enum Reached {
    Activity(&'static str),
    State(&'static str),
}

pub(crate) const MILESTONES: &[Milestone] = &[
    Milestone::on("lead", "lead", Reached::Activity("created")),
    Milestone::on("opportunity", "opportunity", Reached::Activity("created")),
    Milestone::on("quote", "quote", Reached::Activity("sent")),
    Milestone::on("sales_order", "sales_order", Reached::Activity("created")),
    Milestone::on("shipment", "delivery", Reached::Activity("shipped")),
    Milestone::on("invoice", "invoice", Reached::Activity("posted")),
    Milestone::on("cash", "invoice", Reached::State("paid")),
];

impl Milestone {
    const fn on(name: &'static str, entity: &'static str, on: Reached) -> Self {
        Milestone { name, entity, on }
    }

    /// The condition on an event `e` of the log.
    fn condition(&self) -> String {
        let (column, value) = match self.on {
            Reached::Activity(a) => ("activity", a),
            Reached::State(s) => ("to_state", s),
        };
        format!(
            "e.entity_type = '{}' AND e.{column} = '{value}'",
            self.entity
        )
    }

    /// Whether a step event reaches this milestone.
    pub(crate) fn reached_by(&self, entity: &str, activity: &str, to_state: Option<&str>) -> bool {
        entity == self.entity
            && match self.on {
                Reached::Activity(a) => activity == a,
                Reached::State(s) => to_state == Some(s),
            }
    }
}

/// The spans measured between milestones: name, from, to.
pub(crate) const CYCLE_PAIRS: &[(&str, &str, &str)] = &[
    ("1_lead_opportunity", "lead", "opportunity"),
    ("2_opportunity_quote", "opportunity", "quote"),
    ("3_quote_order", "quote", "sales_order"),
    ("4_order_shipment", "sales_order", "shipment"),
    ("5_shipment_invoice", "shipment", "invoice"),
    ("6_invoice_cash", "invoice", "cash"),
    ("7_lead_to_cash", "lead", "cash"),
    ("8_opportunity_to_cash", "opportunity", "cash"),
];

/// The milestone columns of a case summary.
pub(crate) fn milestone_names() -> String {
    MILESTONES
        .iter()
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first time of each milestone among the events `e` of a group.
pub(crate) fn milestones_sql() -> String {
    MILESTONES
        .iter()
        .map(|m| {
            format!(
                "MIN(CASE WHEN {} THEN e.at END) AS {}",
                m.condition(),
                m.name
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
