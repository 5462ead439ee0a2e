//! The sign-in event types of Graph beta `signInEventTypes`.

/// The sign-in event types of Graph beta `signInEventTypes`, plus `Unknown` for anything else.
/// The partition folder names come from here, never from record text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    InteractiveUser,
    NonInteractiveUser,
    ServicePrincipal,
    ManagedIdentity,
    Unknown,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::InteractiveUser,
        EventType::NonInteractiveUser,
        EventType::ServicePrincipal,
        EventType::ManagedIdentity,
        EventType::Unknown,
    ];

    /// Interactive and non-interactive user sign-ins.
    pub const USERS: [EventType; 2] = [EventType::InteractiveUser, EventType::NonInteractiveUser];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::InteractiveUser => "interactiveUser",
            EventType::NonInteractiveUser => "nonInteractiveUser",
            EventType::ServicePrincipal => "servicePrincipal",
            EventType::ManagedIdentity => "managedIdentity",
            EventType::Unknown => "unknown",
        }
    }

    /// Case-insensitive; `None` for anything not a known event type.
    pub fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::EventType;

    #[test]
    fn names_round_trip_ignoring_case() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(&t.as_str().to_uppercase()), Some(t));
        }
        assert_eq!(EventType::parse(" interactiveuser "), Some(EventType::InteractiveUser));
        assert_eq!(EventType::parse("robot"), None);
    }
}
