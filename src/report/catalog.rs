//! Every report of this version, described once. Start reading here.
//!
//! A report is a [`Report`]: its command-line name and Graph name, one line of help, the title
//! its caption starts with, the table whose latest event is its default as-of, the event types
//! it reads unless told otherwise, the options it accepts, and the function that answers it.
//! The command line (names, help, which flag applies to which report), the captions, the HTML
//! page and the workbook all read [`REPORTS`]; adding a report is one file holding its model,
//! its aggregate and its `REPORT`, plus one line in that list.
//!
//! [`answer`] runs a report and applies what every report shares: `--app` keeps the rows about
//! one application, `--top` keeps the first rows, and the caption says what was counted and
//! over which window.

use serde_json::Value;

use super::{
    Request, Rows, adfs, app_daily, app_errors, app_last_signin, apps, audit_ops, auth_events, auth_registration,
};
use super::{auth_usage, breakdown, credentials, investigate, latest_event_in, service_principals, workbooks};
use crate::domain::EventType;
use crate::error::{Error, Result};
use crate::store::manifest::Manifest;
use crate::store::{ADFS_SIGNINS, AUDITS, REGISTRATIONS, Store};

/// One report, described once.
#[derive(Debug)]
pub struct Report {
    /// The name on the command line (`report NAME`).
    pub name: &'static str,
    /// The Graph function or type it recomputes, accepted as a name too.
    pub graph_name: Option<&'static str>,
    /// One line of help.
    pub about: &'static str,
    /// What the caption starts with.
    pub title: &'static str,
    /// The table it reads; its latest event is the default as-of.
    pub table: &'static str,
    /// The event types read unless `--event-types` says otherwise (none for reports that read
    /// no sign-ins).
    pub event_types: &'static [EventType],
    /// The options it accepts beyond the window and the format.
    pub options: &'static [Opt],
    pub run: fn(&Query<'_>) -> Result<Answer>,
}

/// The reports of this version, in the order the help lists them.
pub const REPORTS: &[&Report] = &[
    &apps::REPORT,
    &app_daily::REPORT,
    &app_errors::REPORT,
    &app_last_signin::REPORT,
    &service_principals::REPORT,
    &credentials::REPORT,
    &adfs::REPORT,
    &auth_usage::USAGE_REPORT,
    &auth_usage::MFA_REPORT,
    &auth_registration::REPORT,
    &auth_events::EVENTS_REPORT,
    &auth_events::ACTIVITY_REPORT,
    &auth_events::RESETS_REPORT,
    &breakdown::REPORT,
    &workbooks::LEGACY_REPORT,
    &workbooks::FAILURE_REPORT,
    &workbooks::POLICY_REPORT,
    &workbooks::mfa::REPORT,
    &workbooks::prompts::REPORT,
    &workbooks::tenants::REPORT,
    &workbooks::risk::REPORT,
    &audit_ops::CONSENTS_REPORT,
    &audit_ops::SENSITIVE_REPORT,
    &investigate::user::REPORT,
    &investigate::ip::REPORT,
];

/// The report named `name` (its name or its Graph name, ignoring case).
pub fn find(name: &str) -> Option<&'static Report> {
    REPORTS
        .iter()
        .copied()
        .find(|r| r.name.eq_ignore_ascii_case(name) || r.graph_name.is_some_and(|g| g.eq_ignore_ascii_case(name)))
}

/// An option a report may accept, in the order a command line is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    ExpiringWithin,
    Expired,
    Unused,
    By,
    /// `breakdown --by DIM,...`.
    ByDims,
    /// `legacy-auth --by user`.
    ByUser,
    AllEnabled,
    UserTypes,
    UserRoles,
    User,
    Feature,
    Method,
    Status,
    Rules,
    /// Keep the first N rows.
    Top,
    /// Keep the first N error codes of each application.
    TopPerApp,
    EventTypes,
    App,
    /// `--app` as a filter of the sign-ins counted (the rows need not name an app).
    AppFilter,
    /// `--user` as a filter of the sign-ins counted (UPN or user id).
    UserFilter,
    ClientApp,
    Country,
    Ip,
    Outcome,
    ErrorCode,
    /// Our tenant's id, where a report tells inside from outside.
    Tenant,
    /// The user or address a single-subject report is about (`report user USER`).
    Subject,
    Sort,
}

impl Opt {
    pub const ALL: [Opt; 28] = [
        Opt::ExpiringWithin,
        Opt::Expired,
        Opt::Unused,
        Opt::By,
        Opt::ByDims,
        Opt::ByUser,
        Opt::AllEnabled,
        Opt::UserTypes,
        Opt::UserRoles,
        Opt::User,
        Opt::Feature,
        Opt::Method,
        Opt::Status,
        Opt::Rules,
        Opt::Top,
        Opt::TopPerApp,
        Opt::EventTypes,
        Opt::App,
        Opt::AppFilter,
        Opt::UserFilter,
        Opt::ClientApp,
        Opt::Country,
        Opt::Ip,
        Opt::Outcome,
        Opt::ErrorCode,
        Opt::Tenant,
        Opt::Subject,
        Opt::Sort,
    ];

    /// The flag that gives it.
    pub fn flag(self) -> &'static str {
        match self {
            Opt::ExpiringWithin => "--expiring-within",
            Opt::Expired => "--expired",
            Opt::Unused => "--unused",
            Opt::By | Opt::ByDims | Opt::ByUser => "--by",
            Opt::AllEnabled => "--all-enabled",
            Opt::UserTypes => "--user-types",
            Opt::UserRoles => "--user-roles",
            Opt::User | Opt::UserFilter => "--user",
            Opt::ClientApp => "--client-app",
            Opt::Country => "--country",
            Opt::Ip => "--ip",
            Opt::Outcome => "--outcome",
            Opt::ErrorCode => "--error-code",
            Opt::Tenant => "--tenant",
            Opt::Subject => "an argument after the report name",
            Opt::Feature => "--feature",
            Opt::Method => "--method",
            Opt::Status => "--status",
            Opt::Rules => "--rules",
            Opt::Top | Opt::TopPerApp => "--top",
            Opt::EventTypes => "--event-types",
            Opt::App | Opt::AppFilter => "--app",
            Opt::Sort => "--sort",
        }
    }

    /// The reports that accept it.
    pub fn reports(self) -> Vec<&'static str> {
        let same = |o: Opt| o == self || (o.flag() == self.flag());
        REPORTS.iter().filter(|r| r.options.iter().any(|&o| same(o))).map(|r| r.name).collect()
    }
}

/// The usage error for `given` options that `report` does not accept, or `None`. Flags that
/// apply to the same reports are named together: "--expired and --unused apply to `report
/// credentials`".
pub fn refuse_options(report: &Report, given: &[Opt]) -> Option<Error> {
    let accepts = |o: Opt| report.options.iter().any(|&r| r.flag() == o.flag());
    let first = Opt::ALL.into_iter().find(|&o| given.contains(&o) && !accepts(o))?;
    let reports = first.reports();
    let mut flags: Vec<&str> = Vec::new();
    for o in Opt::ALL {
        if o.reports() == reports && !flags.contains(&o.flag()) {
            flags.push(o.flag());
        }
    }
    let names: Vec<String> = reports.iter().map(|r| format!("`report {r}`")).collect();
    let verb = if flags.len() == 1 { "applies" } else { "apply" };
    Some(Error::Usage(if names.is_empty() {
        format!("{} {verb} to no report", and_list(&flags))
    } else {
        format!("{} {verb} to {}", and_list(&flags), and_list(&names))
    }))
}

fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// What `report apps` orders by: the portal's "top apps" and "most failed" views.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Total,
    Failed,
}

/// The report-specific options, each read by the reports that accept it.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub sort: Sort,
    /// `credentials`: `--expiring-within`, `--expired`, `--unused`.
    pub credentials: credentials::Filter,
    /// `adfs`: list the claim rules instead.
    pub rules: bool,
    /// `auth-registration`: count by feature or by method.
    pub by: auth_registration::By,
    /// `auth-registration`: which users (`--user-types`, `--user-roles`, `--user`).
    pub population: auth_registration::Population,
    /// `registration-events`: `--user`, `--feature`, `--method`, `--status`.
    pub events: auth_events::EventFilter,
    /// `--app`: keep the rows about these applications (appIds; [`super::names`] resolves
    /// what a person types).
    pub app: Option<Vec<String>>,
    /// `breakdown --by`.
    pub dims: Option<Vec<breakdown::Dim>>,
    /// The sign-ins the workbook reports count (`--app`, `--user`, `--client-app`, ...).
    pub filter: breakdown::Filter,
    /// `legacy-auth --by user`.
    pub legacy_by_user: bool,
    /// `ca-policies --all-enabled`.
    pub all_enabled: bool,
    /// `--tenant`: our tenant's id, instead of the one the sign-ins name most.
    pub tenant: Option<String>,
    /// `report user USER`, `report ip ADDRESS`.
    pub subject: Option<String>,
}

/// A report asked of a store.
pub struct Query<'a> {
    pub store: &'a Store,
    pub manifest: &'a Manifest,
    pub request: Request,
    pub options: &'a Options,
    /// Whether the window's end was given (`--as-of`) rather than taken from the data.
    pub as_of_given: bool,
    /// Whether personal values are replaced in the output: a report then does not repeat a
    /// name it was asked to search for.
    pub pseudonymized: bool,
}

impl Query<'_> {
    /// The latest event of `table`.
    pub fn latest(&self, table: &str) -> Option<i64> {
        latest_event_in(self.manifest, table)
    }
}

/// How a report's caption reads.
pub enum Caption {
    /// The title and the window.
    Window,
    /// The title and the window, then this.
    WindowAnd(String),
    /// This instead.
    Own(String),
}

/// A report's answer: its rows, what the output says about them, and how.
pub struct Answer {
    pub rows: Box<dyn Rows>,
    /// The Graph type of the rows (`applicationSignInSummary`).
    pub type_name: String,
    /// Graph returns one object rather than a collection (with `rows` as its list member).
    pub object: Option<Value>,
    /// Things the reader must know to trust the numbers (said on stderr).
    pub notes: Vec<String>,
    pub caption: Caption,
    /// The caption as written (set by [`answer`]).
    pub caption_text: String,
    /// Members of the JSON envelope besides `@odata.context` and `value`
    /// (`@signinInsights.totals`).
    pub annotations: serde_json::Map<String, Value>,
    /// A page of small tables (`report user`): each a member of `object`, a titled table, a
    /// sheet.
    pub sections: Vec<investigate::Section>,
    /// Row groups opened of those selected, for a report that skips what cannot match.
    pub scanned: Option<(usize, usize)>,
}

impl Answer {
    pub fn rows<R: Rows + 'static>(type_name: &str, rows: R) -> Answer {
        Answer {
            rows: Box::new(rows),
            type_name: type_name.to_string(),
            object: None,
            notes: Vec::new(),
            caption: Caption::Window,
            caption_text: String::new(),
            annotations: serde_json::Map::new(),
            sections: Vec::new(),
            scanned: None,
        }
    }

    /// A page of sections: JSON is one object, `head`'s members then one per section.
    pub fn sections(
        type_name: &str,
        head: serde_json::Map<String, Value>,
        sections: Vec<investigate::Section>,
    ) -> Result<Answer> {
        let object = investigate::object(head, &sections);
        Ok(Answer { object: Some(object), sections, ..Answer::rows(type_name, Vec::<investigate::Nothing>::new()) })
    }

    /// An answer Graph gives as one object (`object`, whose list member is `rows`).
    pub fn object<T: serde::Serialize, R: Rows + 'static>(type_name: &str, object: &T, rows: R) -> Result<Answer> {
        let object = serde_json::to_value(object).map_err(|e| Error::Other(e.to_string()))?;
        Ok(Answer { object: Some(object), ..Answer::rows(type_name, rows) })
    }

    pub fn with_notes(mut self, notes: Vec<String>) -> Answer {
        self.notes = notes;
        self
    }

    pub fn with_caption(mut self, caption: Caption) -> Answer {
        self.caption = caption;
        self
    }

    /// The answer with `totals` as the JSON envelope's `@signinInsights.totals`.
    pub fn with_totals<T: serde::Serialize>(mut self, totals: &T) -> Answer {
        let v = serde_json::to_value(totals).unwrap_or_default();
        self.annotations.insert("@signinInsights.totals".into(), v);
        self
    }

    /// `@odata.context` of the JSON output.
    pub fn context(&self) -> String {
        if self.object.is_some() { super::object_context(&self.type_name) } else { super::context(&self.type_name) }
    }
}

/// Runs `report` for `q`: its answer with `--app` and `--top` applied where the report accepts
/// them, and its caption written.
pub fn answer(report: &Report, q: &Query<'_>) -> Result<Answer> {
    let mut a = (report.run)(q)?;
    if let Some(ids) = &q.options.app
        && report.options.contains(&Opt::App)
    {
        a.rows.retain_apps(ids);
    }
    if let Some(n) = q.request.top
        && report.options.contains(&Opt::Top)
    {
        a.rows.truncate(n);
    }
    a.caption_text = match &a.caption {
        Caption::Own(text) => text.clone(),
        Caption::Window => caption(report, q),
        Caption::WindowAnd(more) => format!("{}{more}", caption(report, q)),
    };
    if !matches!(a.caption, Caption::Own(_)) && (q.as_of_given || q.latest(report.table).is_some()) {
        let mut bounds = q.request.window.bounds();
        bounds["counted"] = counted(report.table, &q.request.event_types_or(report.event_types)).into();
        a.annotations.insert("@signinInsights.window".into(), bounds);
    }
    Ok(a)
}

/// The title, what is counted and the window in words (SPEC 7), or what the store lacks to
/// have a window.
fn caption(report: &Report, q: &Query<'_>) -> String {
    if q.latest(report.table).is_none() && !q.as_of_given {
        return format!("{}: the store holds no {}s", report.title, latest_noun(report.table));
    }
    title_and_window(report, &q.request)
}

/// "Application activity: interactive user sign-ins, 30 days to 31 Oct 2026 23:59 UTC (the
/// latest sign-in in the store)": the caption of `report` over `request`, the same words on
/// the terminal, in the HTML page and as a sheet's title.
pub fn title_and_window(report: &Report, request: &Request) -> String {
    let what = counted(report.table, &request.event_types_or(report.event_types));
    format!("{}: {what}, {}", report.title, request.window.words(latest_noun(report.table)))
}

/// What a report over `table` counts, in words: "interactive user sign-ins", "interactive and
/// non-interactive user sign-ins", "AD FS sign-ins", "audit events".
pub fn counted(table: &str, types: &[EventType]) -> String {
    match table {
        ADFS_SIGNINS => return "AD FS sign-ins".into(),
        AUDITS => return "audit events".into(),
        REGISTRATIONS => return "registration details".into(),
        _ => {}
    }
    if types.is_empty() || EventType::ALL.iter().all(|t| *t == EventType::Unknown || types.contains(t)) {
        return "sign-ins of any type".into();
    }
    let word = |t: &EventType| match t {
        EventType::InteractiveUser => "interactive",
        EventType::NonInteractiveUser => "non-interactive",
        EventType::ServicePrincipal => "service principal",
        EventType::ManagedIdentity => "managed identity",
        EventType::Unknown => "unknown-type",
    };
    let users = types.iter().all(|t| matches!(t, EventType::InteractiveUser | EventType::NonInteractiveUser));
    let words: Vec<&str> = types.iter().map(word).collect();
    format!("{}{} sign-ins", and_list(&words), if users { " user" } else { "" })
}

/// What the as-of of a report over `table` is the latest of ("sign-in", "audit event").
pub fn latest_noun(table: &str) -> &'static str {
    match table {
        ADFS_SIGNINS => "AD FS sign-in",
        AUDITS => "audit event",
        REGISTRATIONS => "registration snapshot",
        _ => "sign-in",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_by_either_name() {
        let mut names: Vec<String> =
            REPORTS.iter().flat_map(|r| std::iter::once(r.name).chain(r.graph_name)).map(str::to_lowercase).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "a name used twice");
        assert_eq!(find("APPS").map(|r| r.name), Some("apps"));
        assert_eq!(find("getAzureADApplicationSignInSummary").map(|r| r.name), Some("apps"));
        assert!(find("nosuch").is_none());
    }

    #[test]
    fn a_flag_of_another_report_is_refused_with_the_reports_it_applies_to() {
        let apps = find("apps").unwrap();
        let said = |given: &[Opt]| refuse_options(apps, given).map(|e| e.to_string());
        assert_eq!(said(&[Opt::Top, Opt::App]), None);
        assert_eq!(
            said(&[Opt::Expired]).as_deref(),
            Some("--expiring-within, --expired and --unused apply to `report credentials`")
        );
        assert_eq!(
            said(&[Opt::User]).as_deref(),
            Some(
                "--user applies to `report auth-registration`, `report registration-events`, `report breakdown`, \
                 `report mfa-gaps`, `report auth-prompts`, `report cross-tenant` and `report risky-sign-ins`"
            )
        );
        assert_eq!(
            said(&[Opt::Rules, Opt::Feature]).as_deref(),
            Some("--feature, --method and --status apply to `report registration-events`")
        );
        let mfa = find("mfa-summary").unwrap();
        let e = refuse_options(mfa, &[Opt::Top]).unwrap().to_string();
        assert_eq!(
            e,
            "--top applies to `report apps`, `report app-errors`, `report adfs`, `report breakdown`, \
             `report legacy-auth`, `report failure-analysis`, `report ca-policies`, `report mfa-gaps`, \
             `report auth-prompts`, `report cross-tenant`, `report risky-sign-ins`, `report consents` and \
             `report sensitive-operations`"
        );
        let legacy = find("legacy-auth").unwrap();
        assert_eq!(
            refuse_options(legacy, &[Opt::AllEnabled]).unwrap().to_string(),
            "--all-enabled applies to `report ca-policies`"
        );
        assert!(refuse_options(legacy, &[Opt::By]).is_none(), "legacy-auth takes --by (user)");
    }
}
