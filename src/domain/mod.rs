//! The vocabulary every layer shares, and nothing else: the sign-in [`EventType`] and
//! [`Outcome`], time
//! ([`time`]: parsing, the display [`Zone`], a [`Timestamp`] shown in a zone), exact
//! [`Percent`]ages, and a report [`Cell`] (with [`group_thousands`], how a count reads). It imports no other module of the crate, so that
//! ingest, store, scan, report and render can all use it without running back up the layers.

mod cell;
mod event_type;
mod outcome;
mod percent;
pub mod time;

pub use cell::{Cell, group_thousands};
pub use event_type::EventType;
pub use outcome::{INTERRUPTS, Outcome};
pub use percent::Percent;
pub use time::{MICROS_PER_DAY, Timestamp, Zone};
