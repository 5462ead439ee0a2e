//! `report ip ADDRESS` (SPEC 6.6): the users, apps, outcomes, places and time span of one IP
//! address, and whether many users share it.

use std::sync::Arc;

use arrow_array::{Array, BooleanArray, RecordBatch};
use serde_json::json;

use super::{Section, at, common, hits, outcomes, span, tally};
use crate::domain::EventType;
use crate::error::Error;
use crate::report::catalog::{Answer, Caption, Opt, Report};
use crate::scan::{Columns, Where};
use crate::store::SIGNINS;
use crate::store::schema::IP_ADDRESS;

pub const TYPE_NAME: &str = "ipAddressInvestigation";

/// From this many distinct users an address is shared by many (a proxy, a NAT gateway, an
/// office's egress), not one person's.
pub const MANY_USERS: u64 = 10;

pub const REPORT: Report = Report {
    name: "ip",
    graph_name: None,
    about: "Everything about one IP address: its users, apps, outcomes, countries and time span.",
    title: "One IP address's sign-ins",
    table: SIGNINS,
    event_types: &EventType::USERS,
    options: &[Opt::Subject, Opt::EventTypes],
    run: |q| {
        let address = q.options.subject.clone().unwrap_or_default().trim().to_string();
        if address.is_empty() {
            return Err(Error::Usage("report ip needs an IP address".into()));
        }
        let sel = q.request.selection(SIGNINS, REPORT.event_types);
        let want = address.clone();
        let keep = Arc::new(move |b: &RecordBatch| -> BooleanArray {
            let ips = Columns(b).text(IP_ADDRESS);
            (0..b.num_rows()).map(|i| Some(ips.is_valid(i) && ips.value(i).trim() == want)).collect()
        });
        // Statistics bound the stored text, which may carry spaces around the address: a row
        // group is skipped only when neither spelling fits.
        let bare = address.clone();
        let open = Box::new(move |rg: &crate::store::reader::RowGroup| {
            rg.may_hold(IP_ADDRESS, &bare) || rg.may_hold(IP_ADDRESS, &format!(" {bare}"))
        });
        let filter = Where { columns: &[IP_ADDRESS], keep, open };
        let (found, opened, selected) = hits(q.store, q.manifest, &sel, &filter)?;
        if found.is_empty() {
            return Err(Error::Usage(format!(
                "no user sign-in in the window came from {address:?}{}",
                crate::report::span_in(q.manifest, SIGNINS)
                    .map(|(a, b)| format!(
                        " (the store's sign-ins run from {} to {})",
                        q.request.zone().at(a),
                        q.request.zone().at(b)
                    ))
                    .unwrap_or_default()
            )));
        }
        let zone = q.request.zone();
        let users = tally(&found, |h| h.user_key());
        let user_count = users.len() as u64;
        let users = users
            .into_iter()
            .map(|(u, g)| {
                // The latest spelling (users are told apart ignoring case).
                let upn = found[g.latest].upn.clone().unwrap_or(u);
                json!({"userPrincipalName": upn, "userDisplayName": found[g.latest].user_name, "signInCount": g.count,
                       "failureCount": g.failures, "firstSignInDateTime": at(zone, g.first),
                       "lastSignInDateTime": at(zone, g.last)})
            })
            .collect();
        let (first, last) = span(&found, zone);
        let mut head = serde_json::Map::new();
        head.insert("ipAddress".into(), json!(address));
        head.insert("firstSignInDateTime".into(), first);
        head.insert("lastSignInDateTime".into(), last);
        head.insert("signIns".into(), outcomes(&found));
        head.insert("userCount".into(), json!(user_count));
        head.insert("sharedByManyUsers".into(), json!(user_count >= MANY_USERS));
        let mut sections = vec![Section::new(
            "users",
            "Users",
            &[
                "userPrincipalName",
                "userDisplayName",
                "signInCount",
                "failureCount",
                "firstSignInDateTime",
                "lastSignInDateTime",
            ],
            users,
        )];
        sections.extend(common(&found, zone));
        let o = outcomes(&found);
        let shared = if user_count >= MANY_USERS {
            format!("shared by {user_count} users (a proxy, NAT gateway or office egress, not one person)")
        } else {
            format!("used by {user_count} user(s)")
        };
        let caption = format!(
            "; {} sign-ins ({} succeeded, {} interrupted, {} failed), {shared}",
            o["total"], o["success"], o["interrupted"], o["failure"]
        );
        let mut a = Answer::sections(TYPE_NAME, head, sections)?.with_caption(Caption::WindowAnd(caption));
        a.scanned = Some((opened, selected));
        Ok(a)
    },
};
