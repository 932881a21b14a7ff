//! The small charts at the top of the analytics page: the open pipeline by stage, the forecast
//! by close month (against targets once they are set) and the cycle times.

use salesflow_app::analytics::ProcessReport;
use salesflow_app::forecast::ForecastReport;
use salesflow_domain::pipeline::Pipeline;

use super::analytics_view::{cycle_name, money_text, step_name};
use super::charts::{Bar, bars_svg, duration_text};

pub(super) fn pipeline_chart(f: &ForecastReport, pipeline: &Pipeline) -> String {
    let currency = &f.quarter.currency;
    let bars: Vec<Bar> = f
        .stages
        .iter()
        .map(|s| Bar {
            label: step_name(&format!("opportunity:{}", s.stage), pipeline),
            value: s.amount_minor,
            text: format!("{} · {}", s.deals, money_text(s.amount_minor, currency)),
        })
        .collect();
    bars_svg("Open pipeline by stage", &bars)
}

pub(super) fn forecast_chart(f: &ForecastReport) -> String {
    let currency = &f.quarter.currency;
    let bars: Vec<Bar> = f
        .months
        .iter()
        .filter(|m| &m.currency == currency)
        .map(|m| Bar {
            label: if m.month.is_empty() {
                "No close date".into()
            } else {
                m.month.clone()
            },
            value: m.weighted_minor,
            text: money_text(m.weighted_minor, currency),
        })
        .collect();
    bars_svg("Weighted forecast by close month", &bars)
}

pub(super) fn cycle_chart(p: &ProcessReport) -> String {
    let bars: Vec<Bar> = p
        .cycle_times
        .iter()
        .map(|t| Bar {
            label: cycle_name(&t.step),
            value: i128::from(t.median_seconds),
            text: duration_text(t.median_seconds),
        })
        .collect();
    bars_svg("Median cycle times", &bars)
}
