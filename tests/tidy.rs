//! The house rules, checked on the source (as rust-analyzer's `tidy` does): imports only run
//! down the layers, clap and indicatif live in `cli/` only, and no source file grows past
//! [`MAX_LINES`] lines before its tests. A failure names the file, the line and the rule.

use std::path::{Path, PathBuf};

/// The layers, lowest first: a module may use the modules of lower layers, never one of its
/// own layer or above. `domain` and `error` are the vocabulary everyone shares; `generate`
/// writes synthetic exports from that vocabulary alone.
const LAYERS: &[(&str, u32)] = &[
    ("domain", 0),
    ("error", 0),
    ("normalize", 1),
    ("generate", 1),
    ("store", 2),
    ("ingest", 3),
    ("scan", 3),
    ("report", 4),
    ("render", 5),
    ("cli", 6),
];

/// Names the crate root re-exports, and the layer each belongs to.
const ROOT_ITEMS: &[(&str, &str)] = &[("Error", "error"), ("Result", "error"), ("merge_fields", "scan")];

/// Lines a source file may have before its `#[cfg(test)]` module.
const MAX_LINES: usize = 700;

fn rank(module: &str) -> Option<u32> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, r)| *r)
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source's lines without comments (`//`, `///`, `//!`) and without string literals, which
/// may mention module names without using them.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| {
            let mut code = String::new();
            let mut in_string = false;
            let mut prev = ' ';
            for c in l.chars() {
                if c == '"' && prev != '\\' {
                    in_string = !in_string;
                } else if !in_string {
                    if c == '/' && prev == '/' {
                        code.pop();
                        break;
                    }
                    code.push(c);
                }
                prev = c;
            }
            (i + 1, code)
        })
        .collect()
}

/// Every `crate::<name>` a line uses (also inside `use crate::{a, b}` groups).
fn crate_paths(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        if line[..at].ends_with('$') || line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue; // `$crate::` in a macro is the crate root, handled where the macro is used.
        }
        let rest = &line[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            out.extend(inner.split(',').map(|p| p.trim().split("::").next().unwrap_or("").to_string()));
        } else {
            out.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out.retain(|n| !n.is_empty() && n != "self");
    out
}

/// The layer module of a source file (`src/report/apps.rs` -> `report`), if it is in one.
fn module_of(root: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy().to_string();
    Some(first.trim_end_matches(".rs").to_string())
}

/// The broken rules of the tree at `root` (a `src/` folder), one line each.
pub fn violations(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    sources(root, &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let shown = file.strip_prefix(root.parent().unwrap_or(root)).unwrap_or(file).display().to_string();
        let module = module_of(root, file).unwrap_or_default();
        let own = rank(&module);
        for (n, line) in code_lines(&text) {
            if let Some(own) = own {
                for used in crate_paths(&line) {
                    let layer = ROOT_ITEMS.iter().find(|(i, _)| *i == used).map_or(used.as_str(), |(_, m)| m);
                    match rank(layer) {
                        Some(r) if layer != module && r >= own => out.push(format!(
                            "{shown}:{n}: `{module}` uses `crate::{used}`, which is not below it (layers: {})",
                            LAYERS.iter().map(|(m, r)| format!("{m} {r}")).collect::<Vec<_>>().join(", ")
                        )),
                        None => out.push(format!("{shown}:{n}: `crate::{used}` is in no layer of tests/tidy.rs")),
                        _ => {}
                    }
                }
            }
            for krate in ["clap", "indicatif"] {
                let uses = line.contains(&format!("{krate}::")) || line.contains(&format!("use {krate}"));
                if uses && module != "cli" && module != "main" {
                    out.push(format!(
                        "{shown}:{n}: `{krate}` outside src/cli/ (map the CLI's types to the library's there)"
                    ));
                }
            }
        }
        let before_tests = text.lines().take_while(|l| l.trim() != "#[cfg(test)]").count();
        if before_tests > MAX_LINES {
            out.push(format!(
                "{shown}: {before_tests} lines before its tests (at most {MAX_LINES}): split it along its concepts"
            ));
        }
    }
    out
}

#[test]
fn the_house_rules_hold() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&root);
    assert!(found.is_empty(), "{} broken house rule(s):\n{}", found.len(), found.join("\n"));
}

#[test]
fn the_rules_catch_each_smell() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("scan/mod.rs", "use crate::report::window::Window;\nuse crate::{domain::EventType, store::Store};\n");
    write("normalize/mod.rs", "use crate::render::Timestamp; // up\n// use crate::cli::x; a comment is no import\n");
    write("report/apps.rs", "#[derive(clap::ValueEnum)]\nenum Sort { Total }\nfn f() { let s = \"crate::cli\"; }\n");
    write("ingest/mod.rs", &format!("fn ingest(p: &indicatif::ProgressBar) {{}}\n{}", "// filler\n".repeat(701)));
    write("store/mod.rs", "use crate::ingest::Kind;\nuse crate::nosuch::Thing;\n");
    write("cli/mod.rs", "use clap::Parser;\nuse crate::report::catalog;\n");
    let found = violations(&src);
    let has = |needle: &str| found.iter().any(|v| v.contains(needle));
    assert!(has("src/scan/mod.rs:1: `scan` uses `crate::report`"), "{found:#?}");
    assert!(!has("scan` uses `crate::domain") && !has("scan` uses `crate::store"), "{found:#?}");
    assert!(has("src/normalize/mod.rs:1: `normalize` uses `crate::render`"), "{found:#?}");
    assert!(!has("crate::cli"), "comments and strings are not imports: {found:#?}");
    assert!(has("src/report/apps.rs:1: `clap` outside src/cli/"), "{found:#?}");
    assert!(has("src/ingest/mod.rs:1: `indicatif` outside src/cli/"), "{found:#?}");
    assert!(has("src/ingest/mod.rs: 702 lines before its tests"), "{found:#?}");
    assert!(has("src/store/mod.rs:1: `store` uses `crate::ingest`"), "{found:#?}");
    assert!(has("`crate::nosuch` is in no layer"), "{found:#?}");
    assert_eq!(found.len(), 7, "nothing else: {found:#?}");
}
