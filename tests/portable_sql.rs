//! The files of `sql/` as text, in the default build (polars runs them under `--features sql`):
//! the curated tables they carry equal the engine's, every parameter is one the runners fill,
//! and every file is listed in `sql/README.md`.

use signin_insights::report::auth_methods::SIGN_IN_METHODS;
use signin_insights::report::auth_usage::GRAPH_ORDER;

use crate::util::testdata;

fn sql(name: &str) -> String {
    std::fs::read_to_string(testdata(&format!("../sql/{name}"))).unwrap()
}

/// The rows of the `(VALUES ...)` list of the CTE `cte` in `query`, each as its quoted strings
/// and bare numbers.
fn values_of(query: &str, cte: &str) -> Vec<Vec<String>> {
    let start = query.find(&format!("{cte} AS (")).unwrap_or_else(|| panic!("no CTE {cte}"));
    let body = &query[start..];
    let list = &body[body.find("(VALUES").expect("a VALUES list") + 7..body.find(") AS t(").expect("its alias")];
    list.lines()
        .map(str::trim)
        .filter(|l| l.starts_with('('))
        .map(|l| {
            l.trim_start_matches('(')
                .trim_end_matches(',')
                .trim_end_matches(')')
                .split(", ")
                .map(|v| v.trim_matches('\'').to_string())
                .collect()
        })
        .collect()
}

#[test]
fn the_method_table_of_auth_usage_sql_is_the_curated_one() {
    let q = sql("auth-usage.sql");
    let names: Vec<(String, String)> =
        values_of(&q, "names").into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let curated: Vec<(String, String)> = SIGN_IN_METHODS.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(names, curated);
    let order: Vec<(String, String)> =
        values_of(&q, "graph_order").into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let graph: Vec<(String, String)> =
        GRAPH_ORDER.iter().enumerate().map(|(i, m)| (m.to_string(), (i + 1).to_string())).collect();
    assert_eq!(order, graph);
}

#[test]
fn every_sql_file_uses_known_parameters_and_is_documented() {
    const KNOWN: [&str; 10] =
        ["start", "end", "audit_start", "audit_end", "adfs_start", "adfs_end", "top", "sep", "rs", "app"];
    let readme = sql("README.md");
    let mut files = 0;
    for entry in std::fs::read_dir(testdata("../sql")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("--")).collect::<Vec<_>>().join("\n");
        for part in code.split('{').skip(1) {
            let param = part.split('}').next().unwrap();
            assert!(KNOWN.contains(&param), "{name}: unknown parameter {{{param}}}");
        }
        assert!(!code.contains('"'), "{name}: a double-quoted name is a string in Spark");
        assert!(readme.contains(&format!("| `{name}` |")), "{name} is not in sql/README.md");
        files += 1;
    }
    assert!(files >= 17, "{files} SQL files");
}

#[test]
fn the_interrupt_list_of_failure_analysis_sql_is_the_engines() {
    let q = sql("failure-analysis.sql");
    let list = &q[q.find("codes.code IN (").expect("the interrupt list") + 15..];
    let list = &list[..list.find(')').unwrap()];
    let codes: Vec<i32> = list.split(',').map(|c| c.trim().parse().expect("a code")).collect();
    assert_eq!(codes, signin_insights::domain::INTERRUPTS.to_vec());
}
