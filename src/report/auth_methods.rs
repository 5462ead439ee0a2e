//! The one curated table from the method names the logs write (sign-in `authenticationDetails`,
//! audit result reasons) to Graph's camelCase `usageAuthMethod` ids (SPEC 3.9). Graph publishes
//! no such mapping (docs/graph-schemas.md section 6, item 7): each entry says where its spelling was
//! seen. Names are compared ignoring case and surrounding spaces; a name not in the table is
//! reported under its own text, never dropped.

/// (name as logged, `usageAuthMethod` id). Sources: [docs] the Graph `authenticationDetail`
/// page's value list; [logs] sign-in logs of public exports and Microsoft's sign-in log
/// documentation; [portal] the Authentication methods activity blade.
pub const SIGN_IN_METHODS: &[(&str, &str)] = &[
    // Primary authentication.
    ("Password", "password"),                                                 // [docs][logs]
    ("CloudOnlyPassword", "password"),                                        // [logs] 2020 SigninLogs (msticpy sample)
    ("Windows Hello for Business", "windowsHelloForBusiness"),                // [logs]
    ("FIDO2 security key", "fido2SecurityKey"),                               // [logs]
    ("Passkey (device-bound)", "passKeyDeviceBound"),                         // [logs]
    ("Passkey (synced)", "passKeySynced"),                                    // [logs]
    ("Passkey (Microsoft Authenticator)", "passKeyDeviceBoundAuthenticator"), // [logs]
    ("Passkey (Windows Hello)", "passKeyDeviceBoundWindowsHello"),            // [logs]
    ("Passwordless phone sign-in", "microsoftAuthenticatorPasswordless"),     // [logs]
    ("Microsoft Authenticator (passwordless)", "microsoftAuthenticatorPasswordless"), // [portal]
    ("Temporary Access Pass", "temporaryAccessPass"),                         // [logs]
    ("Platform Credential for macOS", "macOsSecureEnclaveKey"),               // [logs]
    ("macOS Secure Enclave Key", "macOsSecureEnclaveKey"),                    // [portal]
    ("SMS Sign-in", "smsSignIn"),                                             // [logs] text message as the first factor
    ("QR code", "qrCode"),                                                    // [logs]
    // Second factor.
    ("Mobile app notification", "microsoftAuthenticatorPush"), // [logs]
    ("Authenticator App", "microsoftAuthenticatorPush"),       // [docs]
    ("Text message", "sms"),                                   // [logs]
    ("SMS", "sms"),                                            // [docs]
    ("Phone call", "mobilePhone"),                             // [logs]
    ("Voice", "mobilePhone"),                                  // [docs]
    ("Alternate phone call", "alternateMobilePhone"),          // [portal]
    ("Office phone call", "officePhone"),                      // [portal]
    ("OATH verification code", "oneTimePasscode"),             // [logs] software or hardware token
    ("Software OATH token", "softwareOneTimePasscode"),        // [docs]
    ("Hardware OATH token", "hardwareOneTimePasscode"),        // [portal]
    ("Email verification code", "email"),                      // [logs] email one-time passcode
    ("Email one-time passcode", "email"),                      // [portal]
    ("External authentication method", "externalAuthMethod"),  // [logs]
    ("App password", "appPassword"),                           // [portal]
];

/// Audit result-reason method names (`User registered <method>.`, SSPR verification steps)
/// -> `usageAuthMethod` id. Sources: the combined-registration troubleshooting doc and the
/// SSPR reporting doc (docs/graph-schemas.md 3.6).
pub const AUDIT_METHODS: &[(&str, &str)] = &[
    ("Authenticator app", "microsoftAuthenticatorPush"),
    ("Microsoft Authenticator", "microsoftAuthenticatorPush"),
    ("Mobile app notification", "microsoftAuthenticatorPush"),
    ("Mobile app code", "softwareOneTimePasscode"),
    ("Software OATH token", "softwareOneTimePasscode"),
    ("Hardware OATH token", "hardwareOneTimePasscode"),
    ("Phone", "mobilePhone"),
    ("Mobile phone", "mobilePhone"),
    ("Text message", "sms"),
    ("SMS", "sms"),
    ("Alternate phone", "alternateMobilePhone"),
    ("Office phone", "officePhone"),
    ("Email", "email"),
    ("Security questions", "securityQuestion"),
    ("App password", "appPassword"),
    ("FIDO2 security key", "fido2SecurityKey"),
    ("Passkey", "passKeyDeviceBound"),
    ("Passkey (device-bound)", "passKeyDeviceBound"),
    ("Passkey in Microsoft Authenticator", "passKeyDeviceBoundAuthenticator"),
    ("Windows Hello for Business", "windowsHelloForBusiness"),
    ("Passwordless phone sign-in", "microsoftAuthenticatorPasswordless"),
    ("Temporary Access Pass", "temporaryAccessPass"),
    ("External authentication method", "externalAuthMethod"),
];

/// The `usageAuthMethod` id of a method name from `table`, or `None` when it is not curated.
pub fn lookup(table: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    let n = name.trim();
    table.iter().find(|(logged, _)| logged.eq_ignore_ascii_case(n)).map(|(_, id)| *id)
}

/// Every `usageAuthMethod` member Graph declares (beta CSDL order), `password` and `smsSignIn`
/// (which Graph's usage example returns though the enum lacks them) first.
pub const USAGE_AUTH_METHODS: &[&str] = &[
    "password",
    "smsSignIn",
    "email",
    "mobileSMS",
    "mobileCall",
    "officePhone",
    "securityQuestion",
    "appNotification",
    "appCode",
    "alternateMobileCall",
    "fido",
    "appPassword",
    "unknownFutureValue",
    "externalAuthMethod",
    "hardwareOneTimePasscode",
    "windowsHelloForBusiness",
    "microsoftAuthenticatorPasswordless",
    "temporaryAccessPass",
    "macOsSecureEnclaveKey",
    "passKeyDeviceBound",
    "passKeyDeviceBoundAuthenticator",
    "passKeyDeviceBoundWindowsHello",
    "softwareOneTimePasscode",
    "microsoftAuthenticatorPush",
    "mobilePhone",
    "sms",
    "alternateMobilePhone",
    "fido2SecurityKey",
    "oneTimePasscode",
    "passKeySynced",
    "qrCode",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Each curated entry, one by one: the log spelling, another casing of it, and the id.
    #[test]
    fn every_sign_in_entry_maps_to_its_id() {
        let expected: &[(&str, &str)] = &[
            ("Password", "password"),
            ("CloudOnlyPassword", "password"),
            ("Windows Hello for Business", "windowsHelloForBusiness"),
            ("FIDO2 security key", "fido2SecurityKey"),
            ("Passkey (device-bound)", "passKeyDeviceBound"),
            ("Passkey (synced)", "passKeySynced"),
            ("Passkey (Microsoft Authenticator)", "passKeyDeviceBoundAuthenticator"),
            ("Passkey (Windows Hello)", "passKeyDeviceBoundWindowsHello"),
            ("Passwordless phone sign-in", "microsoftAuthenticatorPasswordless"),
            ("Microsoft Authenticator (passwordless)", "microsoftAuthenticatorPasswordless"),
            ("Temporary Access Pass", "temporaryAccessPass"),
            ("Platform Credential for macOS", "macOsSecureEnclaveKey"),
            ("macOS Secure Enclave Key", "macOsSecureEnclaveKey"),
            ("SMS Sign-in", "smsSignIn"),
            ("QR code", "qrCode"),
            ("Mobile app notification", "microsoftAuthenticatorPush"),
            ("Authenticator App", "microsoftAuthenticatorPush"),
            ("Text message", "sms"),
            ("SMS", "sms"),
            ("Phone call", "mobilePhone"),
            ("Voice", "mobilePhone"),
            ("Alternate phone call", "alternateMobilePhone"),
            ("Office phone call", "officePhone"),
            ("OATH verification code", "oneTimePasscode"),
            ("Software OATH token", "softwareOneTimePasscode"),
            ("Hardware OATH token", "hardwareOneTimePasscode"),
            ("Email verification code", "email"),
            ("Email one-time passcode", "email"),
            ("External authentication method", "externalAuthMethod"),
            ("App password", "appPassword"),
        ];
        assert_eq!(expected.len(), SIGN_IN_METHODS.len(), "a new entry needs its line here");
        for (logged, id) in expected {
            assert_eq!(lookup(SIGN_IN_METHODS, logged), Some(*id), "{logged}");
            assert_eq!(lookup(SIGN_IN_METHODS, &format!("  {}  ", logged.to_uppercase())), Some(*id), "{logged}");
        }
    }

    #[test]
    fn every_id_is_a_graph_member_and_unknowns_stay_unknown() {
        for (logged, id) in SIGN_IN_METHODS.iter().chain(AUDIT_METHODS) {
            assert!(USAGE_AUTH_METHODS.contains(id), "{logged} -> {id} is not a usageAuthMethod member");
        }
        for name in ["X.509 Certificate", "Previously satisfied", "", "Passwords", "Mobile app"] {
            assert_eq!(lookup(SIGN_IN_METHODS, name), None, "{name}");
        }
    }

    #[test]
    fn every_audit_entry_maps_to_its_id() {
        let expected: &[(&str, &str)] = &[
            ("Authenticator app", "microsoftAuthenticatorPush"),
            ("Microsoft Authenticator", "microsoftAuthenticatorPush"),
            ("Mobile app notification", "microsoftAuthenticatorPush"),
            ("Mobile app code", "softwareOneTimePasscode"),
            ("Software OATH token", "softwareOneTimePasscode"),
            ("Hardware OATH token", "hardwareOneTimePasscode"),
            ("Phone", "mobilePhone"),
            ("Mobile phone", "mobilePhone"),
            ("Text message", "sms"),
            ("SMS", "sms"),
            ("Alternate phone", "alternateMobilePhone"),
            ("Office phone", "officePhone"),
            ("Email", "email"),
            ("Security questions", "securityQuestion"),
            ("App password", "appPassword"),
            ("FIDO2 security key", "fido2SecurityKey"),
            ("Passkey", "passKeyDeviceBound"),
            ("Passkey (device-bound)", "passKeyDeviceBound"),
            ("Passkey in Microsoft Authenticator", "passKeyDeviceBoundAuthenticator"),
            ("Windows Hello for Business", "windowsHelloForBusiness"),
            ("Passwordless phone sign-in", "microsoftAuthenticatorPasswordless"),
            ("Temporary Access Pass", "temporaryAccessPass"),
            ("External authentication method", "externalAuthMethod"),
        ];
        assert_eq!(expected.len(), AUDIT_METHODS.len(), "a new entry needs its line here");
        for (logged, id) in expected {
            assert_eq!(lookup(AUDIT_METHODS, &logged.to_lowercase()), Some(*id), "{logged}");
        }
    }
}
