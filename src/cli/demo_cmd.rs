//! `signin-insights demo`: ingest the bundled sample into a temporary store and print the
//! application activity report and the top errors per application.

use std::path::PathBuf;

use super::note;
use super::{Config, with_stdout};
use crate::error::{Error, Result};
use crate::ingest::{self, IngestOptions};
use crate::render::{Format, Rendered, render};
use crate::report::catalog::title_and_window;
use crate::report::{self, Request, Rows, app_errors, apps, context};
use crate::store::{SIGNINS, Store};

fn sample_dir() -> Result<PathBuf> {
    let here = PathBuf::from("testdata/sample");
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/sample");
    [here, built]
        .into_iter()
        .find(|p| p.is_dir())
        .ok_or_else(|| Error::Usage("demo: testdata/sample not found; run it from the project folder".into()))
}

pub fn run(config: &Config) -> Result<u8> {
    let sample = sample_dir()?;
    let root = std::env::temp_dir().join(format!("signin-insights-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let store = Store::open(&root);
    let result = (|| {
        let inputs = ingest::expand(std::slice::from_ref(&sample), Some(&root))?;
        let summary = ingest::ingest(&store, &inputs, &IngestOptions::default(), &config.progress())?;
        note!("{}", summary.line());
        let manifest = store.manifest()?;
        let window =
            super::WindowArgs::default().resolve(report::span_in(&manifest, SIGNINS), Some(30), config.zone)?;
        let req = Request::new(window);
        let table = |rows: &dyn Rows, type_name: &str, caption: &str| {
            let rendered = Rendered {
                rows,
                context: &context(type_name),
                caption,
                object: None,
                annotations: &Default::default(),
                sections: &[],
            };
            with_stdout(|out| render(&rendered, &config.render_options(Format::Table), out))
        };
        let caption = format!("{}; sample: {}", title_and_window(&apps::REPORT, &req), sample.display());
        table(&apps::compute(&store, &manifest, &req, apps::Sort::Total)?, apps::TYPE_NAME, &caption)?;
        println!();
        let req = Request { top: Some(3), ..req };
        let caption = title_and_window(&app_errors::REPORT, &req);
        table(&app_errors::compute(&store, &manifest, &req)?, app_errors::TYPE_NAME, &caption)?;
        Ok(0)
    })();
    let _ = std::fs::remove_dir_all(&root);
    result
}
