//! Server-side SVG charts: stacked columns, horizontal bars and a radial neighbourhood graph.
//! Pure functions from numbers and labels to markup (maud escapes every label), inline in the
//! page: no script, no inline style (the CSP forbids both); colours come from classes in
//! `renkei.css`. Every shape has a `<title>` (a tooltip without JavaScript), and each chart an
//! `aria-label`; pages show the same numbers in a table beside it.
//!
//! SVG elements are written with an explicit end tag (`rect … {}`): in HTML, SVG content has no
//! void elements, and `<rect>` without one would swallow its siblings.

use maud::{Markup, html};

/// Number of colour classes (`c0`…`c7`) in the stylesheet.
pub const COLOURS: usize = 8;

/// One named series of a stacked column chart: a count per column.
#[derive(Debug)]
pub struct Series {
    pub name: String,
    pub counts: Vec<u64>,
}

/// A round number at or above `n` (1, 2, 3, 5 × 10^k), the top of a value axis.
fn axis_top(n: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 3, 5] {
            let top = step.saturating_mul(m);
            if top >= n {
                return top;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// Stacked columns, one per label, each split by series (a series' colour is its index).
pub fn stacked_columns(label: &str, columns: &[String], series: &[Series]) -> Markup {
    const W: f64 = 760.0;
    const H: f64 = 240.0;
    const LEFT: f64 = 48.0;
    const BOTTOM: f64 = 28.0;
    const TOP: f64 = 10.0;
    let totals: Vec<u64> = (0..columns.len())
        .map(|i| {
            series
                .iter()
                .map(|s| s.counts.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let top = axis_top(totals.iter().copied().max().unwrap_or(0).max(1));
    let plot_h = H - BOTTOM - TOP;
    let slot = (W - LEFT) / columns.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let y = |v: u64| TOP + plot_h - plot_h * v as f64 / top as f64;
    // Each column's segments, bottom up: (x, top y, height, colour, tooltip).
    let mut segments = Vec::new();
    for (i, name) in columns.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0u64;
        for (k, s) in series.iter().enumerate() {
            let n = s.counts.get(i).copied().unwrap_or(0);
            if n > 0 {
                let tip = format!("{name} · {}: {n}", s.name);
                segments.push((x, y(base + n), y(base) - y(base + n), k % COLOURS, tip));
                base += n;
            }
        }
    }
    html! {
        svg.chart viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(label) {
            @for tick in [0, top / 2, top] {
                line.grid x1=(LEFT) x2=(W) y1=(y(tick)) y2=(y(tick)) {}
                text.axis x=(LEFT - 6.0) y=(y(tick) + 4.0) text-anchor="end" { (tick) }
            }
            @for (x, top_y, height, colour, tip) in &segments {
                rect class={ "c" (colour) } x=(x) y=(top_y) width=(bar) height=(height) { title { (tip) } }
            }
            @for (i, name) in columns.iter().enumerate() {
                @if columns.len() <= 8 || i % 2 == 0 {
                    text.axis x=(LEFT + slot * (i as f64 + 0.5)) y=(H - 8.0) text-anchor="middle" { (name) }
                }
            }
        }
        (legend(series.iter().map(|s| s.name.as_str())))
    }
}

/// The colour key of a chart's series.
pub fn legend<'a>(names: impl Iterator<Item = &'a str>) -> Markup {
    html! {
        ul.legend {
            @for (k, name) in names.enumerate() {
                li { svg.key viewBox="0 0 10 10" aria-hidden="true" { rect class={ "c" (k % COLOURS) } width="10" height="10" {} } " " (name) }
            }
        }
    }
}

/// One bar of a horizontal bar chart: its label, its value, where it links to.
#[derive(Debug)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub href: Option<String>,
}

/// Horizontal bars, largest first as given.
pub fn bars(label: &str, items: &[Bar]) -> Markup {
    const W: f64 = 760.0;
    const ROW: f64 = 26.0;
    const LEFT: f64 = 220.0;
    let h = ROW * items.len().max(1) as f64 + 8.0;
    let top = items.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let width = |v: u64| (W - LEFT - 60.0) * v as f64 / top as f64;
    html! {
        svg.chart viewBox={ "0 0 " (W) " " (h) } role="img" aria-label=(label) {
            @for (i, b) in items.iter().enumerate() {
                @let y = 4.0 + ROW * i as f64;
                @let name: String = b.label.chars().take(30).collect();
                @if let Some(href) = &b.href {
                    a href=(href) { text.label x=(LEFT - 8.0) y=(y + 17.0) text-anchor="end" { (name) } }
                } @else {
                    text.label x=(LEFT - 8.0) y=(y + 17.0) text-anchor="end" { (name) }
                }
                rect class={ "c" (i % COLOURS) } x=(LEFT) y=(y + 4.0) width=(width(b.value).max(1.0)) height=(ROW - 8.0) {
                    title { (b.label) ": " (b.value) }
                }
                text.axis x=(LEFT + width(b.value) + 6.0) y=(y + 17.0) { (b.value) }
            }
        }
    }
}

/// A node of a neighbourhood graph.
#[derive(Debug)]
pub struct Node {
    pub label: String,
    /// A short kind shown under the label (the STIX type), and the colour class key.
    pub kind: String,
    pub href: Option<String>,
}

/// A neighbour and the label of its edge to the centre (a relationship type, a property).
#[derive(Debug)]
pub struct Edge {
    pub node: Node,
    pub label: String,
}

/// The colour class of a node kind: a few common STIX types have their own, the rest share.
fn kind_class(kind: &str) -> &'static str {
    match kind {
        "indicator" => "node c0",
        "malware" | "x-renkei-malware-report" => "node c1",
        "threat-actor" | "intrusion-set" | "campaign" => "node c2",
        "relationship" | "sighting" => "node c3",
        "report" | "note" | "x-renkei-incident-report" => "node c4",
        "x-renkei-forum-post" => "node c5",
        "x-renkei-fraud-account" => "node c6",
        _ => "node c7",
    }
}

/// The centre and its neighbours on a circle around it, each edge labelled.
pub fn neighbourhood(label: &str, centre: &Node, edges: &[Edge]) -> Markup {
    const W: f64 = 760.0;
    const H: f64 = 520.0;
    let (cx, cy) = (W / 2.0, H / 2.0);
    let r = 200.0;
    let n = edges.len().max(1) as f64;
    let at = |i: usize| {
        let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
        (cx + r * a.cos(), cy + 0.9 * r * a.sin())
    };
    let short = |s: &str| -> String {
        let mut out: String = s.chars().take(22).collect();
        if s.chars().count() > 22 {
            out.push('…');
        }
        out
    };
    html! {
        svg.chart.graph viewBox={ "0 0 " (W) " " (H) } role="img" aria-label=(label) {
            @for (i, e) in edges.iter().enumerate() {
                @let (x, y) = at(i);
                line.edge x1=(cx) y1=(cy) x2=(x) y2=(y) {}
                text.edge-label x=(cx + 0.6 * (x - cx)) y=(cy + 0.6 * (y - cy) - 3.0) text-anchor="middle" { (e.label) }
            }
            @for (i, e) in edges.iter().enumerate() {
                @let (x, y) = at(i);
                (node(&e.node, x, y, 9.0, &short(&e.node.label)))
            }
            (node(centre, cx, cy, 14.0, &short(&centre.label)))
        }
    }
}

fn node(n: &Node, x: f64, y: f64, radius: f64, shown: &str) -> Markup {
    let body = html! {
        circle class=(kind_class(&n.kind)) cx=(x) cy=(y) r=(radius) { title { (n.label) " (" (n.kind) ")" } }
        text.label x=(x) y=(y + radius + 14.0) text-anchor="middle" { (shown) }
        text.axis x=(x) y=(y + radius + 27.0) text-anchor="middle" { (n.kind) }
    };
    match &n.href {
        Some(href) => html! { a href=(href) { (body) } },
        None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(axis_top(1), 1);
        assert_eq!(axis_top(3), 3);
        assert_eq!(axis_top(4), 5);
        assert_eq!(axis_top(7), 10);
        assert_eq!(axis_top(11), 20);
        assert_eq!(axis_top(480), 500);
        assert_eq!(axis_top(u64::MAX), u64::MAX);
    }

    #[test]
    fn labels_are_escaped_and_svg_elements_closed() {
        let svg = stacked_columns(
            "<chart>",
            &["<w1>".into(), "w2".into()],
            &[Series {
                name: "<script>金融</script>".into(),
                counts: vec![3, 0],
            }],
        )
        .into_string();
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;金融"));
        assert!(svg.contains("</rect>"), "no void SVG elements: {svg}");
        let g = neighbourhood(
            "graph",
            &Node {
                label: "<b>centre</b>".into(),
                kind: "indicator".into(),
                href: None,
            },
            &[Edge {
                node: Node {
                    label: "Emotet".into(),
                    kind: "malware".into(),
                    href: Some("/records/malware--1".into()),
                },
                label: "<indicates>".into(),
            }],
        )
        .into_string();
        assert!(!g.contains("<b>") && !g.contains("<indicates>"));
        assert!(g.contains(r#"href="/records/malware--1""#));
    }

    #[test]
    fn empty_charts_render() {
        assert!(
            stacked_columns("x", &[], &[])
                .into_string()
                .contains("<svg")
        );
        assert!(bars("x", &[]).into_string().contains("<svg"));
    }
}
