//! Charts and diagrams drawn on the server as SVG: the funnel, and the process flow diagram with
//! its bottleneck heatmap. Plain strings; every text is escaped.

use std::fmt::Write;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// "3 d 4 h", "5 h 10 min", "12 min", "40 s".
pub fn duration_text(seconds: i64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{seconds} s")
    }
}

/// One bar of the funnel.
pub struct FunnelBar {
    pub label: String,
    pub count: i64,
    pub note: String,
}

/// Horizontal bars, widest first, each centred: the funnel shape.
pub fn funnel_svg(bars: &[FunnelBar]) -> String {
    const WIDTH: i64 = 640;
    const ROW: i64 = 34;
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let height = ROW * bars.len() as i64 + 4;
    let mut svg = format!(
        "<svg class=\"chart funnel\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" role=\"img\" \
         aria-label=\"Funnel\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 2;
        let width = (bar.count * 360 / max).max(2);
        let x = 140 + (360 - width) / 2;
        let _ = write!(
            svg,
            "<g class=\"bar\"><text x=\"130\" y=\"{ty}\" text-anchor=\"end\">{label}</text>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{width}\" height=\"{h}\" rx=\"3\" fill=\"#3b6fd8\"/>\
             <text x=\"320\" y=\"{ty}\" text-anchor=\"middle\" fill=\"#fff\">{count}</text>\
             <text x=\"510\" y=\"{ty}\">{note}</text></g>",
            ty = y + 19,
            h = ROW - 6,
            label = escape(&bar.label),
            count = bar.count,
            note = escape(&bar.note),
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A step of the process flow diagram.
pub struct FlowNode {
    pub label: String,
    /// The heat: median or p90 seconds to the next step; none without data.
    pub seconds: Option<i64>,
    /// Cases that took this step.
    pub count: i64,
    /// Where clicking the node leads (its records).
    pub href: String,
    /// Of the deadlines that ended at this step: (missed, stopped).
    pub deadlines: Option<(i64, i64)>,
}

/// A configured transition between two nodes (indices), with what the log says of it.
pub struct FlowEdge {
    pub from: usize,
    pub to: usize,
    pub count: i64,
    pub share: Option<String>,
}

const PER_ROW: usize = 5;
const NODE_W: i64 = 150;
const NODE_H: i64 = 54;
const GAP_X: i64 = 96;
const GAP_Y: i64 = 70;

/// Where node `i` goes: rows of five, every other row right to left, so each edge is short.
fn position(i: usize) -> (i64, i64) {
    let row = i / PER_ROW;
    let mut col = i % PER_ROW;
    if row % 2 == 1 {
        col = PER_ROW - 1 - col;
    }
    (
        20 + col as i64 * (NODE_W + GAP_X),
        20 + row as i64 * (NODE_H + GAP_Y),
    )
}

/// Green for the fastest step, red for the slowest, grey without data.
fn heat_colour(seconds: Option<i64>, max: i64) -> String {
    match seconds {
        None => "#e5e7eb".into(),
        Some(s) => {
            let hue = 120 - (120 * s.clamp(0, max) / max.max(1));
            format!("hsl({hue}, 70%, 72%)")
        }
    }
}

/// The process as a diagram: nodes coloured by their time, edges labelled with count and share.
pub fn process_svg(nodes: &[FlowNode], edges: &[FlowEdge]) -> String {
    let rows = nodes.len().div_ceil(PER_ROW).max(1) as i64;
    let width = 40 + PER_ROW as i64 * NODE_W + (PER_ROW as i64 - 1) * GAP_X;
    let height = 40 + rows * NODE_H + (rows - 1) * GAP_Y;
    let max = nodes.iter().filter_map(|n| n.seconds).max().unwrap_or(1);
    let mut svg = format!(
        "<svg class=\"chart process\" id=\"process-diagram\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"Process flow\" xmlns=\"http://www.w3.org/2000/svg\">\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"#64748b\"/></marker></defs>"
    );
    for edge in edges {
        let ((x1, y1), (x2, y2)) = (position(edge.from), position(edge.to));
        let (sx, sy, ex, ey) = if y1 == y2 {
            let (a, b) = if x2 > x1 {
                (x1 + NODE_W, x2)
            } else {
                (x1, x2 + NODE_W)
            };
            (a, y1 + NODE_H / 2, b, y2 + NODE_H / 2)
        } else {
            (x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2, y2)
        };
        let label = match &edge.share {
            Some(share) => format!("{} · {share} %", edge.count),
            None => edge.count.to_string(),
        };
        let _ = write!(
            svg,
            "<g class=\"edge\"><line x1=\"{sx}\" y1=\"{sy}\" x2=\"{ex}\" y2=\"{ey}\" \
             stroke=\"#64748b\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\
             <text x=\"{lx}\" y=\"{ly}\" text-anchor=\"{anchor}\" font-size=\"12\" \
             class=\"edge-label\">{label}</text></g>",
            anchor = if sy == ey { "middle" } else { "start" },
            lx = (sx + ex) / 2 + if sy == ey { 0 } else { 6 },
            ly = if sy == ey { sy - 6 } else { (sy + ey) / 2 + 4 },
            label = escape(&label),
        );
    }
    for (i, node) in nodes.iter().enumerate() {
        let (x, y) = position(i);
        let time = node
            .seconds
            .map_or_else(|| "no data".to_string(), duration_text);
        // A step where deadlines end shows how many were missed, outlined red when any were.
        let (late, missed_note, stroke) = match node.deadlines {
            Some((missed, stopped)) if stopped > 0 => (
                format!(" · {} % late", missed * 100 / stopped),
                format!(", {missed} of {stopped} deadlines missed"),
                if missed > 0 {
                    "#b42318\" stroke-width=\"3"
                } else {
                    "#475569"
                },
            ),
            _ => (String::new(), String::new(), "#475569"),
        };
        let _ = write!(
            svg,
            "<a href=\"{href}\" class=\"node\" data-step=\"{label}\"><rect x=\"{x}\" y=\"{y}\" \
             width=\"{NODE_W}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\"/>\
             <text x=\"{cx}\" y=\"{t1}\" text-anchor=\"middle\" font-weight=\"600\">{label}</text>\
             <text x=\"{cx}\" y=\"{t2}\" text-anchor=\"middle\">{time} · {count}{late}</text>\
             <title>{label}: {time} to the next step, {count} cases{missed_note}</title></a>",
            href = escape(&node.href),
            label = escape(&node.label),
            fill = heat_colour(node.seconds, max),
            cx = x + NODE_W / 2,
            t1 = y + 22,
            t2 = y + 42,
            count = node.count,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One month of the backtest chart: what was predicted (weighted, historical, P50) and won.
pub struct BacktestBars {
    pub month: String,
    pub values: [i128; 4],
}

/// The series of the backtest chart, in bar order: name and colour.
const BACKTEST_SERIES: [(&str, &str); 4] = [
    ("Weighted", "#9db7ec"),
    ("Historical", "#3b6fd8"),
    ("Monte Carlo P50", "#7d5bd0"),
    ("Won", "#2e9e5b"),
];

/// Grouped bars per month: each method's prediction beside what was won.
pub fn backtest_svg(months: &[BacktestBars]) -> String {
    const HEIGHT: i64 = 220;
    const GROUP: i64 = 76;
    const BAR: i64 = 15;
    let max = months
        .iter()
        .flat_map(|m| m.values)
        .max()
        .unwrap_or(0)
        .max(1);
    let width = 40 + GROUP * months.len().max(1) as i64;
    let mut svg = format!(
        "<svg class=\"chart backtest\" viewBox=\"0 0 {width} {}\" width=\"{width}\" role=\"img\" \
         aria-label=\"Predicted and won per month\" xmlns=\"http://www.w3.org/2000/svg\">",
        HEIGHT + 44
    );
    for (i, (name, colour)) in BACKTEST_SERIES.iter().enumerate() {
        let x = 10 + i as i64 * 130;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"13\" font-size=\"11\">{name}</text>",
            x + 14
        );
    }
    for (i, month) in months.iter().enumerate() {
        let left = 30 + i as i64 * GROUP;
        for (j, value) in month.values.iter().enumerate() {
            // Amounts are wide sums; the bar height fits easily in 64 bits.
            let h = (value * i128::from(HEIGHT - 30) / max) as i64;
            let _ = write!(
                svg,
                "<rect class=\"bar\" x=\"{x}\" y=\"{y}\" width=\"{BAR}\" height=\"{h}\" \
                 fill=\"{colour}\"><title>{name}: {value}</title></rect>",
                x = left + j as i64 * BAR,
                y = HEIGHT - h + 20,
                colour = BACKTEST_SERIES[j].1,
                name = BACKTEST_SERIES[j].0,
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            left + 2 * BAR,
            HEIGHT + 36,
            escape(&month.month)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One bar of a horizontal bar chart: its label, length and the text written beside it.
pub struct Bar {
    pub label: String,
    pub value: i128,
    pub text: String,
}

/// Horizontal bars, longest value full width, for the dashboard's small charts.
pub fn bars_svg(name: &str, bars: &[Bar]) -> String {
    const WIDTH: i64 = 580;
    const ROW: i64 = 24;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) as i64 + 4;
    let mut svg = format!(
        "<svg class=\"chart bars\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" role=\"img\" \
         aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        escape(name)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i as i64 * ROW + 2;
        let width = (bar.value.max(0) * 190 / max).max(1) as i64;
        let _ = write!(
            svg,
            "<g class=\"bar\"><text x=\"214\" y=\"{ty}\" text-anchor=\"end\" font-size=\"12\">{label}</text>\
             <rect x=\"220\" y=\"{y}\" width=\"{width}\" height=\"{h}\" rx=\"2\" fill=\"#3b6fd8\"/>\
             <text x=\"{tx}\" y=\"{ty}\" font-size=\"12\">{text}</text></g>",
            ty = y + 15,
            h = ROW - 6,
            tx = 226 + width,
            label = escape(&bar.label),
            text = escape(&bar.text),
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_text(40), "40 s");
        assert_eq!(duration_text(720), "12 min");
        assert_eq!(duration_text(5 * 3600 + 600), "5 h 10 min");
        assert_eq!(duration_text(3 * 86_400 + 4 * 3600), "3 d 4 h");
    }

    #[test]
    fn the_slowest_node_is_red_and_text_is_escaped() {
        let node = |label: &str, seconds| FlowNode {
            label: label.into(),
            seconds,
            count: 1,
            href: "/x?a=1&b=2".into(),
            deadlines: None,
        };
        let svg = process_svg(
            &[
                node("Fast", Some(10)),
                node("<Slow>", Some(100)),
                node("None", None),
            ],
            &[FlowEdge {
                from: 0,
                to: 1,
                count: 3,
                share: Some("75.0".into()),
            }],
        );
        assert!(svg.contains("hsl(108, 70%, 72%)"), "{svg}");
        assert!(svg.contains("hsl(0, 70%, 72%)"));
        assert!(svg.contains("#e5e7eb"));
        assert!(svg.contains("&lt;Slow&gt;"));
        assert!(svg.contains("/x?a=1&amp;b=2"));
        assert!(svg.contains("3 · 75.0 %"));
    }

    #[test]
    fn steps_where_deadlines_were_missed_say_how_often_and_are_outlined_red() {
        let node = |label: &str, deadlines| FlowNode {
            label: label.into(),
            seconds: Some(60),
            count: 4,
            href: "/x".into(),
            deadlines,
        };
        let svg = process_svg(
            &[
                node("Shipped", Some((1, 4))),
                node("Paid", Some((0, 3))),
                node("Posted", None),
            ],
            &[],
        );
        assert!(svg.contains("1 min · 4 · 25 % late"), "{svg}");
        assert!(svg.contains("1 of 4 deadlines missed"));
        assert!(svg.contains("1 min · 4 · 0 % late"));
        assert_eq!(svg.matches("stroke=\"#b42318\"").count(), 1);
    }

    #[test]
    fn rows_snake_so_edges_stay_short() {
        assert_eq!(position(4).1, position(0).1);
        assert_eq!(position(5).0, position(4).0);
        assert!(position(6).0 < position(5).0);
    }
}
