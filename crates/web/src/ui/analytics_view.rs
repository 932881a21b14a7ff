//! How the analytics page names and draws things: step and span names, money, the forecast's
//! rows, the process flow diagram from the configured process and the mined report, the export links' query.

use salesflow_app::analytics::{AnalyticsParams, ProcessReport};
use salesflow_app::entity::Entity;
use salesflow_app::forecast::ForecastReport;
use salesflow_app::ports::StepOutcomes;
use salesflow_domain::analytics::mining::configured_steps;
use salesflow_domain::delivery::Delivery;
use salesflow_domain::invoice::Invoice;
use salesflow_domain::lead::Lead;
use salesflow_domain::payment::Payment;
use salesflow_domain::pipeline::{Pipeline, StageKind};
use salesflow_domain::quote::Quote;
use salesflow_domain::sales_order::SalesOrder;

use super::analytics::Row;
use super::charts::{FlowEdge, FlowNode, process_svg};

/// "Quote sent" for `quote:sent`; pipeline stages by their names.
pub(super) fn step_name(step: &str, pipeline: &Pipeline) -> String {
    let (object, state) = step.split_once(':').unwrap_or(("", step));
    if object == "opportunity"
        && let Some(stage) = pipeline.stages.iter().find(|s| s.key == state)
    {
        return stage.name.clone();
    }
    let object = match object {
        "sales_order" => "Order",
        "lead" => "Lead",
        "quote" => "Quote",
        "delivery" => "Delivery",
        "invoice" => "Invoice",
        "payment" => "Payment",
        "opportunity" => "Opportunity",
        other => other,
    };
    format!("{object} {}", state.replace('_', " "))
}

/// `1234567` minor units of EUR as "12,345.67 EUR".
pub(super) fn money_text(minor: impl Into<i128>, currency: &str) -> String {
    let minor: i128 = minor.into();
    match currency.parse::<salesflow_domain::money::Currency>() {
        Ok(c) => salesflow_domain::money::MoneyTotal::new(minor, c).display(),
        Err(_) => format!("{minor} {currency}"),
    }
}

pub(super) fn forecast_rows(f: &ForecastReport) -> (Vec<Row>, Row) {
    let rows = f
        .months
        .iter()
        .map(|m| Row {
            cells: vec![
                if m.month.is_empty() {
                    "No close date".into()
                } else {
                    m.month.clone()
                },
                m.deals.to_string(),
                money_text(m.amount_minor, &m.currency),
                money_text(m.weighted_minor, &m.currency),
                money_text(m.historical_minor, &m.currency),
            ],
        })
        .collect();
    let q = &f.quarter;
    let quarter = Row {
        cells: vec![
            format!("{} – {}", q.first_day, q.last_day),
            q.deals.to_string(),
            money_text(q.weighted_minor, &q.currency),
            money_text(q.historical_minor, &q.currency),
            money_text(q.range.p10, &q.currency),
            money_text(q.range.p50, &q.currency),
            money_text(q.range.p90, &q.currency),
        ],
    };
    (rows, quarter)
}

/// "Lead → opportunity" for the span `1_lead_opportunity`.
pub(super) fn cycle_name(span: &str) -> String {
    let name = span.split_once('_').map_or(span, |(_, rest)| rest);
    match name {
        "lead_to_cash" => "Lead → paid (end to end)".into(),
        "opportunity_to_cash" => "Opportunity → paid (end to end)".into(),
        other => {
            let words: Vec<String> = other
                .split('_')
                .map(|w| match w {
                    "cash" => "paid".to_string(),
                    "quote" => "quote sent".to_string(),
                    "invoice" => "invoice posted".to_string(),
                    w => w.to_string(),
                })
                .collect();
            let mut text = words.join(" → ");
            if let Some(first) = text.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            text
        }
    }
}

/// Where a diagram node leads: a stage's deals, or the list of the step's documents in that
/// state (the whole list for steps that are not a state, such as a quote revised).
pub(super) fn step_href(step: &str, pipeline_id: &str) -> String {
    let (object, state) = step.split_once(':').unwrap_or(("", step));
    let (list, statuses) = match object {
        "opportunity" => return format!("/analytics/stages/{state}?pipeline_id={pipeline_id}"),
        "lead" => ("/leads", Lead::STATUSES),
        "quote" => ("/quotes", Quote::STATUSES),
        "sales_order" => ("/orders", SalesOrder::STATUSES),
        "delivery" => ("/deliveries", Delivery::STATUSES),
        "invoice" => ("/invoices", Invoice::STATUSES),
        _ => ("/payments", Payment::STATUSES),
    };
    if statuses.contains(&state) {
        format!("{list}?status={state}")
    } else {
        list.into()
    }
}

pub(super) fn diagram(
    pipeline: &Pipeline,
    process: &ProcessReport,
    outcomes: &[StepOutcomes],
    p90: bool,
) -> String {
    let keys = |kind: StageKind| -> Vec<&str> {
        pipeline
            .stages
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.key.as_str())
            .collect()
    };
    let steps = configured_steps(&keys(StageKind::Open), &keys(StageKind::Won));
    let pipeline_id = pipeline.id.to_string();
    let nodes: Vec<FlowNode> = steps
        .iter()
        .map(|step| FlowNode {
            label: step_name(step, pipeline),
            seconds: process
                .steps
                .iter()
                .find(|t| t.step == *step)
                .map(|t| if p90 { t.p90_seconds } else { t.median_seconds }),
            count: process
                .edges
                .iter()
                .filter(|e| e.to == *step)
                .map(|e| e.count)
                .sum(),
            href: step_href(step, &pipeline_id),
            deadlines: outcomes
                .iter()
                .find(|o| o.step == *step)
                .map(|o| (o.missed, o.stopped)),
        })
        .collect();
    let edges: Vec<FlowEdge> = steps
        .windows(2)
        .enumerate()
        .map(|(i, pair)| {
            let seen = process
                .edges
                .iter()
                .find(|e| e.from == pair[0] && e.to == pair[1]);
            FlowEdge {
                from: i,
                to: i + 1,
                count: seen.map_or(0, |e| e.count),
                share: seen.and_then(|e| e.share.clone()),
            }
        })
        .collect();
    process_svg(&nodes, &edges)
}

/// The query string the page was asked with, for the export link.
pub(super) fn query_of(params: &AnalyticsParams) -> String {
    let pairs = [
        ("pipeline_id", &params.pipeline_id),
        ("from", &params.from),
        ("to", &params.to),
        ("rep", &params.rep),
        ("team", &params.team),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (k, v)))
        .map(|(k, v)| format!("{k}={}", crate::session::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn spans_read_as_steps() {
        assert_eq!(super::cycle_name("3_quote_order"), "Quote sent → order");
        assert_eq!(super::cycle_name("6_invoice_cash"), "Invoice posted → paid");
        assert_eq!(
            super::cycle_name("1_lead_opportunity"),
            "Lead → opportunity"
        );
        assert_eq!(
            super::cycle_name("7_lead_to_cash"),
            "Lead → paid (end to end)"
        );
    }
}
