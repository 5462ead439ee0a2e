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
use crate::domain::Cell;
use crate::report::Rows;

/// A page: the header's facts, then sections.
pub struct Page {
    pub title: String,
    /// (label, value) pairs shown under the title: store, window, as-of, counts, version.
    pub facts: Vec<(String, String)>,
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

pub enum Block {
    /// A paragraph of plain text.
    Note(String),
    /// A subheading.
    Heading(String),
    /// A sortable table: headers, rows, and a CSS class per row (`expired`, `soon`, ...).
    Table { headers: Vec<String>, rows: Vec<Vec<Cell>>, classes: Vec<Option<&'static str>> },
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
        let mut out = vec![Block::Table { headers, rows: cells, classes }];
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

fn cell_html(c: &Cell) -> String {
    match c {
        Cell::Text(t) => format!("<td>{}</td>", esc(t.as_deref().unwrap_or(""))),
        Cell::Int(Some(n)) => format!("<td class=\"num\" data-v=\"{n}\">{n}</td>"),
        Cell::Int(None) => "<td class=\"num\" data-v=\"\"></td>".into(),
        Cell::Percent(p) => format!("<td class=\"num\" data-v=\"{}\">{p}</td>", p.0),
        Cell::Time(Some(t)) => format!("<td class=\"time\" data-v=\"{}\">{}</td>", t.us, esc(&t.to_string())),
        Cell::Time(None) => "<td class=\"time\" data-v=\"\"></td>".into(),
    }
}

fn table_html(headers: &[String], rows: &[Vec<Cell>], classes: &[Option<&'static str>], out: &mut String) {
    out.push_str("<div class=\"scroll\"><table class=\"sortable\"><thead><tr>");
    for h in headers {
        // Words for a reader; the Graph member name (the CSV and JSON column) on hover.
        let _ =
            write!(out, "<th scope=\"col\" tabindex=\"0\" title=\"{}\">{}</th>", esc(h), esc(&super::labels::human(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for (i, row) in rows.iter().enumerate() {
        match classes.get(i).copied().flatten() {
            Some(c) => {
                let _ = write!(out, "<tr class=\"{c}\">");
            }
            None => out.push_str("<tr>"),
        }
        for c in row {
            out.push_str(&cell_html(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

/// One bar of a day chart: the day, its stacked values, and the drill-down key if any.
pub struct DayBar {
    pub label: String,
    pub values: Vec<u64>,
    pub drill: Option<usize>,
}

/// Series colours.
pub const GREEN: &str = "#2e7d32";
pub const RED: &str = "#c62828";
pub const BLUE: &str = "#1565c0";
pub const AMBER: &str = "#ef8f00";
pub const GREY: &str = "#9aa4b8";

/// A stacked bar per day, with a legend of the (name, colour) series and, when any bar has a
/// drill key, a panel below that lists the sign-ins of the bar clicked. `chart` numbers the
/// chart on the page.
pub fn day_chart(chart: usize, title: &str, series: &[(&str, &str)], bars: &[DayBar]) -> String {
    let (w, h, left, bottom) = (900.0_f64, 180.0_f64, 44.0_f64, 22.0_f64);
    let max = bars.iter().map(|b| b.values.iter().sum::<u64>()).max().unwrap_or(0).max(1);
    let n = bars.len().max(1) as f64;
    let slot = (w - left) / n;
    let bar_w = (slot * 0.8).max(1.0);
    let mut s = String::new();
    let _ = write!(s, "<figure class=\"chart\"><figcaption>{}</figcaption>", esc(title));
    s.push_str("<div class=\"legend\">");
    for (name, colour) in series {
        let _ = write!(s, "<span><i style=\"background:{colour}\"></i>{}</span>", esc(name));
    }
    s.push_str("</div>");
    let _ = write!(
        s,
        "<svg viewBox=\"0 0 {w} {}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        h + bottom,
        esc(title)
    );
    // Axis: the maximum and zero.
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"12\" class=\"axis\" text-anchor=\"end\">{max}</text><text x=\"{}\" y=\"{h}\" class=\"axis\" text-anchor=\"end\">0</text><line x1=\"{left}\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\" class=\"base\"/>",
        left - 6.0,
        left - 6.0
    );
    let label_every = (bars.len() / 10).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = left + i as f64 * slot + (slot - bar_w) / 2.0;
        let total: u64 = b.values.iter().sum();
        let tip: Vec<String> = series.iter().zip(&b.values).map(|((n, _), v)| format!("{n} {v}")).collect();
        match b.drill {
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
            let bh = (*v as f64 / max as f64) * (h - 16.0);
            y -= bh;
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{bh:.1}\" fill=\"{}\"/>",
                series.get(j).map_or(GREY, |s| s.1)
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
    if bars.iter().any(|b| b.drill.is_some()) {
        let _ = write!(
            s,
            "<div class=\"drill\" id=\"drill-{chart}\" aria-live=\"polite\"><p class=\"hint\">Select a day to list its sign-ins.</p></div>"
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
            "<div class=\"hbar\"><span class=\"label\">{}</span><span class=\"track\"><span class=\"fill\" style=\"width:{pct:.1}%\"></span></span><span class=\"num\">{v}</span></div>",
            esc(label)
        );
    }
    s.push_str("</div></figure>");
    s
}

const CSS: &str = r#"
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#f6f7f9;--card:#fff;--ok:#2e7d32;--bad:#c62828;--warn:#b26a00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:20px 32px}
header h1{margin:0 0 8px;font-size:22px;font-weight:600}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;font-size:13px;color:#d6dbe5}
dl.facts dt{color:#9aa4b8}
dl.facts dd{margin:0;overflow-wrap:anywhere}
nav{margin-top:12px;display:flex;flex-wrap:wrap;gap:6px}
nav a{color:#fff;background:#343d52;border-radius:12px;padding:2px 10px;text-decoration:none;font-size:12px}
main{padding:16px 32px 48px;max-width:1400px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:16px 0}
section h2{margin:0 0 8px;font-size:18px}
section h3{margin:18px 0 6px;font-size:15px}
p.note{color:var(--muted);margin:6px 0}
.scroll{overflow:auto;max-height:560px;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;overflow-wrap:break-word}
td{max-width:32em}
td.time{white-space:nowrap}
th{position:sticky;top:0;background:#eef1f6;cursor:pointer;user-select:none;white-space:nowrap}
th[aria-sort=ascending]::after{content:" \25B2"}
th[aria-sort=descending]::after{content:" \25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.expired td{background:#fdecea}
tr.soon td{background:#fff4e0}
tr.unused td{color:var(--muted)}
tr.ready td:last-child{color:var(--ok);font-weight:600}
tr.review td:last-child{color:var(--warn);font-weight:600}
tr.steps td:last-child{color:var(--bad);font-weight:600}
figure.chart{margin:12px 0 20px}
figure.chart figcaption{font-weight:600;margin-bottom:4px}
.legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin-bottom:4px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
svg{width:100%;height:auto;max-height:240px;display:block}
svg .axis{font-size:11px;fill:var(--muted)}
svg .base{stroke:var(--line)}
svg .hit{fill:transparent}
svg g.bar[data-drill]{cursor:pointer}
svg g.bar[data-drill]:hover .hit,svg g.bar.selected .hit{fill:#e3e8f2}
.drill{margin-top:8px}
.drill .hint{color:var(--muted);font-size:12px;margin:0}
.hbars{display:grid;gap:4px}
.hbar{display:grid;grid-template-columns:260px 1fr 70px;align-items:center;gap:8px;font-size:13px}
.hbar .label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.hbar .track{background:#eef1f6;border-radius:3px;height:12px}
.hbar .fill{display:block;background:#1565c0;height:12px;border-radius:3px}
.hbar .num{text-align:right;font-variant-numeric:tabular-nums}
@media (max-width:640px){.hbar{grid-template-columns:minmax(0,45%) minmax(0,1fr) 4em}}
code{background:#eef1f6;padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
"#;

const JS: &str = r#"(function () {
  'use strict';
  var errors = 0;
  window.addEventListener('error', function () {
    errors += 1;
    document.body.setAttribute('data-errors', String(errors));
  });
  function key(td) {
    var v = td.getAttribute('data-v');
    if (v !== null && v !== '' && !isNaN(Number(v))) { return { n: Number(v) }; }
    return { s: td.textContent.toLowerCase() };
  }
  function sortBy(th) {
    var row = th.parentNode, table = row.closest('table'), body = table.tBodies[0];
    var idx = Array.prototype.indexOf.call(row.children, th);
    var dir = th.getAttribute('aria-sort') === 'descending' ? 1 : -1;
    Array.prototype.forEach.call(row.children, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a.cells[idx]), y = key(b.cells[idx]);
      if ('n' in x && 'n' in y) { return (x.n - y.n) * dir; }
      var xs = 'n' in x ? String(x.n) : x.s, ys = 'n' in y ? String(y.n) : y.s;
      return xs < ys ? -dir : xs > ys ? dir : 0;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll('table.sortable th').forEach(function (th) {
    th.addEventListener('click', function () { sortBy(th); });
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sortBy(th); } });
  });
  var dataNode = document.getElementById('drill-data');
  var data = dataNode ? JSON.parse(dataNode.textContent) : { cells: [] };
  function el(tag, text) { var n = document.createElement(tag); if (text !== undefined) { n.textContent = text; } return n; }
  function show(bar) {
    var cell = data.cells[Number(bar.getAttribute('data-drill'))];
    var panel = document.getElementById('drill-' + bar.getAttribute('data-chart'));
    if (!cell || !panel) { return; }
    bar.parentNode.querySelectorAll('g.bar.selected').forEach(function (g) { g.classList.remove('selected'); });
    bar.classList.add('selected');
    panel.textContent = '';
    panel.appendChild(el('h4', cell.title));
    var wrap = el('div'); wrap.className = 'scroll';
    var table = el('table'), head = el('tr');
    cell.columns.forEach(function (c) { head.appendChild(el('th', c)); });
    table.appendChild(el('thead')).appendChild(head);
    var body = el('tbody');
    cell.rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (v) { tr.appendChild(el('td', v)); });
      body.appendChild(tr);
    });
    table.appendChild(body); wrap.appendChild(table); panel.appendChild(wrap);
    if (cell.omitted > 0) {
      var p = el('p', cell.omitted + ' more sign-ins that day are not embedded. All of them: ');
      p.className = 'note'; p.appendChild(el('code', cell.command)); panel.appendChild(p);
    }
  }
  document.querySelectorAll('g.bar[data-drill]').forEach(function (bar) {
    bar.addEventListener('click', function () { show(bar); });
    bar.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); show(bar); } });
  });
  var only = /^#only=([a-z0-9-]+)$/.exec(window.location.hash);
  if (only) {
    document.querySelectorAll('main > section').forEach(function (s) { s.hidden = s.id !== only[1]; });
    var nav = document.querySelector('nav'); if (nav) { nav.hidden = true; }
  }
  var pick = /[#&]drill=([\d,]+)/.exec(window.location.hash);
  if (pick) {
    pick[1].split(',').forEach(function (k) {
      var bar = document.querySelector('g.bar[data-drill="' + k + '"]');
      if (bar) { show(bar); }
    });
  }
  document.body.setAttribute('data-ready', '1');
})();"#;

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
    s.push_str("</dl><nav>");
    for sec in &page.sections {
        let _ = write!(s, "<a href=\"#{}\">{}</a>", sec.id, esc(sec.title));
    }
    s.push_str("</nav></header><main>");
    for sec in &page.sections {
        let _ = write!(s, "<section id=\"{}\"><h2>{}</h2>", sec.id, esc(sec.title));
        for b in &sec.blocks {
            match b {
                Block::Note(t) => {
                    let _ = write!(s, "<p class=\"note\">{}</p>", esc(t));
                }
                Block::Heading(t) => {
                    let _ = write!(s, "<h3>{}</h3>", esc(t));
                }
                Block::Table { headers, rows, classes } => table_html(headers, rows, classes, &mut s),
                Block::Chart(markup) => s.push_str(markup),
            }
        }
        s.push_str("</section>");
    }
    if page.sections.is_empty() {
        s.push_str(
            "<section id=\"empty\"><h2>No data</h2><p class=\"note\">The store holds nothing to report.</p></section>",
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
        let chart =
            day_chart(0, "<b>", &[("ok", GREEN)], &[DayBar { label: "<i>".into(), values: vec![1], drill: Some(0) }]);
        assert!(!chart.contains("<b>") && !chart.contains("<i>"), "{chart}");
    }
}
