//! The self-contained HTML hand-over (SPEC section 4): one file that opens with no network
//! access (CSS and JS inlined, charts as inline SVG, a Content-Security-Policy that forbids
//! every fetch and any script but the page's own), sortable tables, and daily charts whose bars
//! list that day's sign-ins underneath.
//!
//! Every value from the logs is untrusted. Text reaches the page only through [`esc`] (HTML
//! text and attribute values) or inside the drill-down JSON, which is escaped for a script
//! element and read by the page's script with `JSON.parse` and written with `textContent`,
//! never as markup. Element ids and data keys are made here from counters, never from log text.

use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::pseudo::{self, Pseudonymizer};
use crate::domain::{Cell, group_thousands};
use crate::report::Rows;
use crate::report::headline::{Figure, thousands};

/// A page: the header's facts, the headline figures, then sections.
pub struct Page {
    pub title: String,
    /// (label, value) pairs shown under the title: store, window, as-of, counts, version.
    pub facts: Vec<(String, String)>,
    /// The figures shown first, as cards.
    pub headline: Vec<Figure>,
    pub sections: Vec<Section>,
    pub drill: Drill,
}

/// One report family.
pub struct Section {
    /// The anchor: a constant of the caller, never log text.
    pub id: &'static str,
    pub title: &'static str,
    pub blocks: Vec<Block>,
}

impl Section {
    /// A section with nothing to show, saying why (the menu greys it).
    pub fn empty(id: &'static str, title: &'static str, why: String) -> Section {
        Section { id, title, blocks: vec![Block::Empty(why)] }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self.blocks.as_slice(), [Block::Empty(_)])
    }
}

/// What a row opens to: a summary and its lines, each with a class (`fail`, `warn`, `pass`).
pub struct Detail {
    pub summary: String,
    pub lines: Vec<(&'static str, String)>,
}

pub enum Block {
    /// A paragraph of plain text.
    Note(String),
    /// Why the section has nothing to show.
    Empty(String),
    /// A subheading.
    Heading(String),
    /// A sortable, filterable table: headers, rows, a CSS class per row (`expired`, `soon`,
    /// ...), and what each row opens to (an extra last column; empty when no row opens).
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<Cell>>,
        classes: Vec<Option<&'static str>>,
        details: Vec<Option<Detail>>,
    },
    /// Markup made by this module's chart functions (already escaped).
    Chart(String),
}

impl Block {
    /// A table of report rows, at most `cap` of them (personal values replaced under `p`); a
    /// note says how many were left out and which command lists them all.
    pub fn rows(
        rows: &dyn Rows,
        p: Option<&Pseudonymizer>,
        cap: usize,
        class: impl Fn(&[Cell]) -> Option<&'static str>,
        command: &str,
    ) -> Vec<Block> {
        let mut cells = pseudo::cells(p, rows);
        cells.truncate(cap);
        let classes = cells.iter().map(|c| class(c)).collect();
        let headers = rows.headers().iter().map(|h| h.to_string()).collect();
        let mut out = vec![Block::Table { headers, rows: cells, classes, details: Vec::new() }];
        if rows.len() > cap {
            out.push(Block::Note(format!("Showing {cap} of {} rows. All of them: {command}", rows.len())));
        }
        out
    }
}

/// The sign-ins behind the bars of the daily charts, keyed by the bars' `data-drill` numbers.
#[derive(Default, Serialize)]
pub struct Drill {
    pub cells: Vec<DrillCell>,
}

#[derive(Serialize)]
pub struct DrillCell {
    pub title: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Sign-ins of that day not embedded (beyond the cap).
    pub omitted: u64,
    /// The command that lists them all.
    pub command: String,
}

impl Drill {
    /// Adds a cell; returns its key for a bar's `data-drill`.
    pub fn add(&mut self, cell: DrillCell) -> usize {
        self.cells.push(cell);
        self.cells.len() - 1
    }
}

/// HTML-escapes text for element content and quoted attribute values. NUL becomes U+FFFD.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// JSON text safe inside a `<script type="application/json">` element: `<`, `>`, `&` and the
/// JavaScript line separators as `\u` escapes, so no `</script>` or `<!--` can appear.
pub fn script_json<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string(value).expect("report data serialises");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A command-line argument quoted for a POSIX shell when it holds anything but plain characters,
/// so a command shown on the page is safe to paste whatever the log text in it.
pub fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.:@/".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A table cell: numbers right-aligned with thousands separators (not codes) and their value
/// in `data-v` for sorting, times with theirs, ids small and unbroken.
fn cell_html(c: &Cell, header: &str, id: bool) -> String {
    match c {
        Cell::Text(t) if id => format!("<td class=\"id\">{}</td>", esc(t.as_deref().unwrap_or(""))),
        Cell::Text(t) => format!("<td>{}</td>", esc(t.as_deref().unwrap_or(""))),
        Cell::Int(Some(n)) if super::labels::is_code(header) => format!("<td class=\"num\" data-v=\"{n}\">{n}</td>"),
        Cell::Int(Some(n)) => format!("<td class=\"num\" data-v=\"{n}\">{}</td>", group_thousands(*n)),
        Cell::Int(None) => "<td class=\"num\" data-v=\"\"></td>".into(),
        Cell::Percent(p) => format!("<td class=\"num\" data-v=\"{}\">{p}</td>", p.0),
        Cell::Time(Some(t)) => format!("<td class=\"time\" data-v=\"{}\">{}</td>", t.us, esc(&t.to_string())),
        Cell::Time(None) => "<td class=\"time\" data-v=\"\"></td>".into(),
    }
}

/// The order columns are shown in: a name before the id it names (`appDisplayName` before
/// `appId`), the rest as given.
fn column_order(headers: &[String]) -> Vec<usize> {
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut order: Vec<usize> = Vec::with_capacity(headers.len());
    for (i, h) in names.iter().enumerate() {
        if order.contains(&i) {
            continue;
        }
        if let Some(name) = super::labels::name_column_of(h, &names)
            && let Some(j) = names.iter().position(|n| *n == name)
            && j > i
        {
            order.push(j);
        }
        order.push(i);
    }
    order
}

/// Tables of more rows than this get a filter box.
const FILTER_FROM: usize = 8;

fn table_html(
    headers: &[String],
    rows: &[Vec<Cell>],
    classes: &[Option<&'static str>],
    details: &[Option<Detail>],
    out: &mut String,
) {
    let order = column_order(headers);
    // Columns of ids only (GUIDs): small, unbroken.
    let ids: Vec<bool> = (0..headers.len())
        .map(|i| {
            let mut filled = rows.iter().filter_map(|r| match r.get(i) {
                Some(Cell::Text(Some(t))) if !t.is_empty() => Some(t),
                _ => None,
            });
            let first = filled.next();
            first.is_some_and(|t| super::table::is_guid(t)) && filled.all(|t| super::table::is_guid(t))
        })
        .collect();
    if rows.len() > FILTER_FROM {
        let _ = write!(
            out,
            "<div class=\"tools\"><input type=\"search\" class=\"filter\" placeholder=\"Filter the {} rows\" aria-label=\"Filter the rows of this table\"><span class=\"shown\" aria-live=\"polite\"></span></div>",
            thousands(rows.len() as u64)
        );
    }
    out.push_str("<div class=\"scroll\"><table class=\"sortable\"><thead><tr>");
    for &i in &order {
        // Words for a reader; the Graph member name (the CSV and JSON column) on hover.
        let h = &headers[i];
        let _ =
            write!(out, "<th scope=\"col\" tabindex=\"0\" title=\"{}\">{}</th>", esc(h), esc(&super::labels::human(h)));
    }
    let opens = details.iter().any(Option::is_some);
    if opens {
        out.push_str("<th scope=\"col\">details</th>");
    }
    out.push_str("</tr></thead><tbody>");
    for (r, row) in rows.iter().enumerate() {
        match classes.get(r).copied().flatten() {
            Some(c) => {
                let _ = write!(out, "<tr class=\"{c}\">");
            }
            None => out.push_str("<tr>"),
        }
        for &i in &order {
            if let Some(c) = row.get(i) {
                out.push_str(&cell_html(c, &headers[i], ids[i]));
            }
        }
        if opens {
            out.push_str("<td class=\"details\">");
            if let Some(Some(d)) = details.get(r) {
                let _ = write!(out, "<details><summary>{}</summary><ul>", esc(&d.summary));
                for (class, line) in &d.lines {
                    let _ = write!(out, "<li class=\"{class}\">{}</li>", esc(line));
                }
                out.push_str("</ul></details>");
            }
            out.push_str("</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// One bar of a day chart: the day, its stacked values, and the drill-down key of each value
/// (none when nothing is listed under it).
pub struct DayBar {
    pub label: String,
    pub values: Vec<u64>,
    pub drill: Vec<Option<usize>>,
}

/// Series colours.
pub const GREEN: &str = "#2e7d32";
pub const RED: &str = "#c62828";
pub const BLUE: &str = "#1565c0";
pub const AMBER: &str = "#ef8f00";
pub const GREY: &str = "#9aa4b8";

/// The gridline step for values up to `max`: 1, 2 or 5 times a power of ten, about four lines.
fn grid_step(max: u64) -> u64 {
    let rough = (max as f64 / 4.0).max(1.0);
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(10.0 * power);
    step.max(1.0) as u64
}

/// A stacked bar per day with gridlines, the y axis counting `unit` and a legend of the (name,
/// colour) series, best first (successes before failures). Every part of a bar has a tooltip;
/// a part with a drill key lists its sign-ins in a panel below when selected, and the day's
/// column opens its last part that has one (so failures first). `chart` numbers the chart on
/// the page.
pub fn day_chart(chart: usize, title: &str, unit: &str, series: &[(&str, &str)], bars: &[DayBar]) -> String {
    let (w, h, left, bottom, top) = (900.0_f64, 180.0_f64, 56.0_f64, 22.0_f64, 10.0_f64);
    let max = bars.iter().map(|b| b.values.iter().sum::<u64>()).max().unwrap_or(0).max(1);
    let step = grid_step(max);
    let scale_top = max.div_ceil(step) * step;
    let y_of = |v: u64| h - (v as f64 / scale_top as f64) * (h - top);
    let n = bars.len().max(1) as f64;
    let slot = (w - left) / n;
    let bar_w = (slot * 0.8).max(1.0);
    let mut s = String::new();
    let _ = write!(s, "<figure class=\"chart\"><figcaption>{}</figcaption>", esc(title));
    s.push_str("<div class=\"legend\">");
    for (name, colour) in series {
        let _ = write!(s, "<span><i style=\"background:{colour}\"></i>{}</span>", esc(name));
    }
    if bars.iter().any(|b| b.drill.iter().any(Option::is_some)) {
        s.push_str("<span class=\"hint\">select a bar or a part of one to list its sign-ins</span>");
    }
    s.push_str("</div>");
    let _ = write!(
        s,
        "<svg viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        h + bottom,
        esc(title)
    );
    // Gridlines with their values, and the unit along the axis.
    let mut v = 0;
    while v <= scale_top {
        let y = y_of(v);
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{w}\" y2=\"{y:.1}\" class=\"{}\"/><text x=\"{}\" y=\"{:.1}\" class=\"axis\" text-anchor=\"end\">{}</text>",
            if v == 0 { "base" } else { "grid" },
            left - 6.0,
            y + 4.0,
            thousands(v)
        );
        v += step;
    }
    let _ = write!(
        s,
        "<text x=\"12\" y=\"{:.1}\" class=\"axis unit\" text-anchor=\"middle\" transform=\"rotate(-90 12 {:.1})\">{}</text>",
        h / 2.0,
        h / 2.0,
        esc(unit)
    );
    let label_every = (bars.len() / 10).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar_w) / 2.0;
        let total: u64 = b.values.iter().sum();
        let tip: Vec<String> =
            series.iter().zip(&b.values).map(|((n, _), v)| format!("{n} {}", thousands(*v))).collect();
        // The column opens the last part with a key and a value: failures before successes.
        let focus = (0..b.values.len()).rev().find_map(|j| match b.drill.get(j) {
            Some(Some(k)) if b.values[j] > 0 => Some(*k),
            _ => None,
        });
        match focus {
            Some(k) if total > 0 => {
                let _ = write!(
                    s,
                    "<g class=\"bar\" data-chart=\"{chart}\" data-drill=\"{k}\" tabindex=\"0\" role=\"button\">"
                );
            }
            _ => s.push_str("<g class=\"bar\">"),
        }
        let _ = write!(s, "<title>{}: {}</title>", esc(&b.label), esc(&tip.join(", ")));
        // A transparent hit area the height of the chart, then the stacked parts.
        let _ = write!(s, "<rect x=\"{x:.1}\" y=\"0\" width=\"{bar_w:.1}\" height=\"{h}\" class=\"hit\"/>");
        let mut y = h;
        for (j, v) in b.values.iter().enumerate() {
            if *v == 0 {
                continue;
            }
            let bh = (*v as f64 / scale_top as f64) * (h - top);
            y -= bh;
            let (name, colour) = series.get(j).copied().unwrap_or(("other", GREY));
            let key = match b.drill.get(j) {
                Some(Some(k)) => format!(" data-part=\"{k}\" class=\"part\""),
                _ => String::new(),
            };
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{bh:.1}\" fill=\"{colour}\"{key}><title>{}: {} {}</title></rect>",
                esc(&b.label),
                thousands(*v),
                esc(name)
            );
        }
        s.push_str("</g>");
        if i % label_every == 0 {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{}\" class=\"axis\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                h + 16.0,
                esc(b.label.get(5..).unwrap_or(&b.label))
            );
        }
    }
    s.push_str("</svg>");
    if bars.iter().any(|b| b.drill.iter().any(Option::is_some)) {
        let _ = write!(
            s,
            "<div class=\"drill\" id=\"drill-{chart}\" aria-live=\"polite\"><p class=\"hint\">Select a day to list its failed sign-ins (its others when none failed); select a part of a bar to list that part's.</p></div>"
        );
    }
    s.push_str("</figure>");
    s
}

/// Horizontal bars, one per (label, value), longest first as given.
pub fn bar_list(title: &str, items: &[(String, u64)]) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let mut s = String::new();
    let _ = write!(s, "<figure class=\"chart\"><figcaption>{}</figcaption><div class=\"hbars\">", esc(title));
    for (label, v) in items {
        let pct = (*v as f64 / max as f64) * 100.0;
        let _ = write!(
            s,
            "<div class=\"hbar\"><span class=\"label\">{}</span><span class=\"track\"><span class=\"fill\" style=\"width:{pct:.1}%\"></span></span><span class=\"num\">{}</span></div>",
            esc(label),
            thousands(*v)
        );
    }
    s.push_str("</div></figure>");
    s
}

const CSS: &str = include_str!("page.css");

/// The page's script; its hash goes into the Content-Security-Policy.
const JS: &str = include_str!("page.js");

/// `'sha256-…'` of the page's script, for its Content-Security-Policy.
fn script_hash() -> String {
    let digest = Sha256::digest(JS.as_bytes());
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
}

/// Writes the page.
pub fn write_page(page: &Page, out: &mut dyn Write) -> io::Result<()> {
    let mut s = String::with_capacity(1 << 16);
    s.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(
        s,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src {}; img-src 'none'; base-uri 'none'; form-action 'none'\">",
        script_hash()
    );
    let _ = write!(s, "<title>{}</title><style>{CSS}</style></head><body>", esc(&page.title));
    let _ = write!(s, "<header><h1>{}</h1><dl class=\"facts\">", esc(&page.title));
    for (k, v) in &page.facts {
        let _ = write!(s, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    }
    s.push_str("</dl></header>");
    // The menu stays at the top while the page scrolls; sections without data are greyed.
    s.push_str("<nav class=\"menu\" aria-label=\"Sections\">");
    if !page.headline.is_empty() {
        s.push_str("<a href=\"#headline\">Summary</a>");
    }
    for sec in &page.sections {
        let class = if sec.is_empty() { " class=\"empty\" title=\"nothing to show: see why\"" } else { "" };
        let _ = write!(s, "<a href=\"#{}\"{class}>{}</a>", sec.id, esc(sec.title));
    }
    s.push_str("</nav><main>");
    if !page.headline.is_empty() {
        s.push_str("<section id=\"headline\" class=\"headline\" aria-label=\"Summary\">");
        for f in &page.headline {
            let _ = write!(
                s,
                "<div class=\"figure {}\" data-figure=\"{}\" data-n=\"{}\"{}><div class=\"label\">{}</div><div class=\"value\">{}</div><div class=\"detail\">{}</div></div>",
                f.tone.name(),
                f.id,
                f.count,
                f.of.map(|of| format!(" data-of=\"{of}\"")).unwrap_or_default(),
                esc(f.label),
                esc(&f.value()),
                esc(&f.detail)
            );
        }
        s.push_str("</section>");
    }
    for sec in &page.sections {
        let class = if sec.is_empty() { " class=\"empty\"" } else { "" };
        let _ = write!(s, "<section id=\"{}\"{class}><h2>{}</h2>", sec.id, esc(sec.title));
        for b in &sec.blocks {
            match b {
                Block::Note(t) => {
                    let _ = write!(s, "<p class=\"note\">{}</p>", esc(t));
                }
                Block::Empty(t) => {
                    let _ = write!(s, "<p class=\"note why-empty\">{}</p>", esc(t));
                }
                Block::Heading(t) => {
                    let _ = write!(s, "<h3>{}</h3>", esc(t));
                }
                Block::Table { headers, rows, classes, details } => table_html(headers, rows, classes, details, &mut s),
                Block::Chart(markup) => s.push_str(markup),
            }
        }
        s.push_str("</section>");
    }
    if page.sections.is_empty() {
        s.push_str(
            "<section id=\"empty\" class=\"empty\"><h2>No data</h2><p class=\"note why-empty\">The store holds nothing to report: ingest an export first (README, Getting the exports).</p></section>",
        );
    }
    s.push_str("</main>");
    let _ = write!(s, "<script type=\"application/json\" id=\"drill-data\">{}</script>", script_json(&page.drill));
    let _ = writeln!(s, "<script>{JS}</script></body></html>");
    out.write_all(s.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere_it_goes() {
        assert_eq!(esc(r#"<script>"x"&'y'</script>"#), "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;");
        let j = script_json(&vec!["</script><!--", "\u{2028}"]);
        assert!(!j.contains('<') && !j.contains('>') && !j.contains('\u{2028}'), "{j}");
        assert_eq!(serde_json::from_str::<Vec<String>>(&j).unwrap(), vec!["</script><!--", "\u{2028}"]);
        assert_eq!(shell_quote("0a1b-2c"), "0a1b-2c");
        assert_eq!(shell_quote("$(rm -rf ~)'x"), r#"'$(rm -rf ~)'\''x'"#);
        let chart = day_chart(
            0,
            "<b>",
            "<u>",
            &[("ok", GREEN)],
            &[DayBar { label: "<i>".into(), values: vec![1], drill: vec![Some(0)] }],
        );
        assert!(!chart.contains("<b>") && !chart.contains("<i>") && !chart.contains("<u>"), "{chart}");
    }

    #[test]
    fn gridlines_fall_on_round_numbers_and_names_come_before_their_ids() {
        assert_eq!([1, 4, 7, 9, 40, 444, 1_000, 123_456].map(grid_step), [1, 1, 2, 5, 10, 200, 500, 50_000]);
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(column_order(&h(&["appId", "appDisplayName", "n"])), vec![1, 0, 2]);
        assert_eq!(column_order(&h(&["appDisplayName", "appId", "n"])), vec![0, 1, 2]);
        assert_eq!(column_order(&h(&["keyId", "type"])), vec![0, 1]);
    }
}
