//! The vocabulary of generated sign-ins: real first-party app ids, custom apps (some with
//! Unicode names, some renamed mid-period), real AADSTS codes with their failure reasons, and
//! user names from several scripts.

/// (appId, display name, display name after the mid-period rename).
pub const USER_APPS: &[(&str, &str, Option<&str>)] = &[
    ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome", None),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams", None),
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online", None),
    ("89bee1f7-5e6e-4d8a-9f3d-ecd601259da7", "Office365 Shell WCSS-Client", None),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal", None),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office", None),
    ("ab9b8c07-8f02-4f72-87fa-80105867a763", "OneDrive SyncEngine", None),
    ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile", None),
    ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online", None),
    ("29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Authentication Broker", None),
    ("0ec893e0-5785-4de6-99da-4ed124e5296c", "Office UWP PWA", None),
    ("de8bc8b5-d9f9-48b1-a8ad-b748da725064", "Graph Explorer", None),
    ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI", None),
    ("1950a258-227b-4e31-a9cf-717495945fc2", "Microsoft Azure PowerShell", None),
    ("872cd9fa-d31f-45e0-9eab-6e460a02d1f1", "Visual Studio - Legacy", None),
    ("9ba1a5c7-f17a-4de9-a1f1-6178c8d51223", "Microsoft Intune Company Portal", None),
    ("0000000c-0000-0000-c000-000000000000", "Microsoft App Access Panel", None),
    ("57fb890c-0dab-4253-a5e0-7188c88b2bb4", "SharePoint Online Web Client Extensibility", None),
    ("7f4c5a2e-8d31-4b6f-9e0a-2c1d3b4a5f60", "Contoso Expenses", Some("Contoso Expenses (legacy)")),
    ("a1b2c3d4-0001-4e5f-8a9b-0c1d2e3f4a5b", "Gehaltsabrechnung Müller & Söhne", None),
    ("a1b2c3d4-0002-4e5f-8a9b-0c1d2e3f4a5b", "経費精算システム", None),
    ("a1b2c3d4-0003-4e5f-8a9b-0c1d2e3f4a5b", "HR Portal 🚀", Some("People Hub 🚀")),
    ("a1b2c3d4-0004-4e5f-8a9b-0c1d2e3f4a5b", "Ventas — Panel de control", None),
    ("a1b2c3d4-0005-4e5f-8a9b-0c1d2e3f4a5b", "=HYPERLINK(\"http://x\") Test App", None),
];

/// Apps that sign in as themselves (service principals), with their credential key ids.
pub const DAEMON_APPS: &[(&str, &str, &[&str])] = &[
    (
        "b5f2c1a0-1111-4c2d-9e8f-0a1b2c3d4e01",
        "Contoso Backup Daemon",
        &["6c1b0f2e-7a41-4b55-9e7d-1f2a3b4c5d61", "6c1b0f2e-7a41-4b55-9e7d-1f2a3b4c5d62"],
    ),
    ("b5f2c1a0-2222-4c2d-9e8f-0a1b2c3d4e02", "Payroll Sync", &["7d2c1e3f-8b52-4c66-8f8e-2a3b4c5d6e71"]),
    ("b5f2c1a0-3333-4c2d-9e8f-0a1b2c3d4e03", "SIEM Connector", &["8e3d2f40-9c63-4d77-9a9f-3b4c5d6e7f81"]),
    (
        "b5f2c1a0-4444-4c2d-9e8f-0a1b2c3d4e04",
        "Provisioning Agent",
        &["9f4e3051-ad74-4e88-8bae-4c5d6e7f8091", "9f4e3051-ad74-4e88-8bae-4c5d6e7f8092"],
    ),
];

/// Registered apps nobody signs in to (the inventory's "unused application" finding); one name
/// is a spreadsheet formula, for the CSV neutralisation.
pub const UNUSED_APPS: &[(&str, &str)] = &[
    ("e7f8a9b0-0001-4c1d-8e2f-3a4b5c6d7e01", "Legacy Fax Gateway"),
    ("e7f8a9b0-0002-4c1d-8e2f-3a4b5c6d7e02", "=SUM(1+1) Old Reporting"),
];

pub const MANAGED_IDENTITIES: &[(&str, &str)] = &[
    ("c6a3d2b1-5555-4d3e-8f90-1a2b3c4d5e06", "func-invoice-prod"),
    ("c6a3d2b1-6666-4d3e-8f90-1a2b3c4d5e07", "vm-build-agent-01"),
];

/// Resources (resourceId, resourceDisplayName).
pub const RESOURCES: &[(&str, &str)] = &[
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"),
    ("cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services"),
];

/// (errorCode, failureReason, weight among user failures, weight among non-interactive
/// failures, weight among app failures).
pub const ERRORS: &[(i32, &str, u32, u32, u32)] = &[
    (50126, "Error validating credentials due to invalid username or password.", 30, 0, 0),
    (50074, "Strong Authentication is required.", 18, 2, 0),
    (50140, "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.", 12, 0, 0),
    (
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
        10,
        6,
        0,
    ),
    (
        50053,
        "Account is locked because user tried to sign in too many times with an incorrect user ID or password.",
        5,
        0,
        0,
    ),
    (50057, "User account is disabled. The account has been disabled by an administrator.", 3, 3, 0),
    (
        53003,
        "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
        6,
        4,
        0,
    ),
    (65001, "The user or administrator has not consented to use the application.", 3, 2, 0),
    (50058, "Session information is not sufficient for single-sign-on.", 2, 20, 0),
    (70044, "The session has expired or is invalid due to sign-in frequency checks by conditional access.", 0, 30, 0),
    (16000, "Other", 2, 6, 0),
    (90072, "User account from identity provider does not exist in tenant and cannot access the application.", 2, 0, 0),
    (700082, "The refresh token has expired due to inactivity.", 0, 25, 0),
    (
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
        0,
        0,
        40,
    ),
    (
        7000222,
        "The provided client secret keys are expired. Create new keys for the app, or consider using certificate credentials for added security.",
        0,
        0,
        25,
    ),
    (700016, "Application with identifier was not found in the directory.", 0, 0, 20),
    (500011, "The resource principal was not found in the tenant.", 0, 0, 15),
];

/// (display name, ASCII spelling for the UPN).
pub const FIRST_NAMES: &[(&str, &str)] = &[
    ("Adele", "adele"),
    ("José", "jose"),
    ("Zoë", "zoe"),
    ("Łukasz", "lukasz"),
    ("Søren", "soren"),
    ("Megan", "megan"),
    ("Ólafur", "olafur"),
    ("Chen", "chen"),
    ("Aiko", "aiko"),
    ("Fatima", "fatima"),
    ("Nestor", "nestor"),
    ("Priya", "priya"),
    ("Grady", "grady"),
    ("Ingrid", "ingrid"),
    ("Kwame", "kwame"),
];

pub const LAST_NAMES: &[(&str, &str)] = &[
    ("Vance", "vance"),
    ("Müller", "mueller"),
    ("Núñez", "nunez"),
    ("Wiśniewski", "wisniewski"),
    ("Østergaard", "ostergaard"),
    ("Bowen", "bowen"),
    ("陈", "chen"),
    ("山田", "yamada"),
    ("Al-Farsi", "alfarsi"),
    ("Wilson", "wilson"),
    ("Archie", "archie"),
    ("Sharma", "sharma"),
    ("Mensah", "mensah"),
    ("O'Brien", "obrien"),
    ("Lindqvist", "lindqvist"),
];

pub const CITIES: &[(&str, &str, &str, f64, f64)] = &[
    ("Redmond", "Washington", "US", 47.674, -122.121),
    ("München", "Bayern", "DE", 48.137, 11.575),
    ("São Paulo", "São Paulo", "BR", -23.55, -46.633),
    ("東京", "Tokyo", "JP", 35.689, 139.692),
    ("Kraków", "Małopolskie", "PL", 50.061, 19.936),
    ("Lagos", "Lagos", "NG", 6.524, 3.379),
];

pub const BROWSERS: &[(&str, &str, &str)] = &[
    (
        "Chrome 126.0.0",
        "Windows10",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
    ),
    (
        "Edge 125.0.0",
        "Windows10",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36 Edg/125.0.0.0",
    ),
    (
        "Safari 17.5",
        "MacOs",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    ),
    (
        "Mobile Safari",
        "Ios 17",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    ),
    (
        "Rich Client 4.61.0.0",
        "Windows10",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; WebView/3.0) Teams/24124.2311.2911.3341",
    ),
];

pub const CA_POLICIES: &[(&str, &str)] = &[
    ("5c1f8a2e-6b3d-4e7f-9a0b-1c2d3e4f5a60", "Require MFA for admins"),
    ("6d2a9b3f-7c4e-4f80-8b1c-2d3e4f5a6b71", "Block legacy authentication"),
    ("7e3bac40-8d5f-4091-9c2d-3e4f5a6b7c82", "Require compliant device for Office 365"),
];

/// A policy in report-only mode, listed after the others.
pub const REPORT_ONLY_POLICY: (&str, &str) =
    ("8f4cbd51-9e60-41a2-8d3e-4f5a6b7c8d93", "Block risky sign-ins (report-only)");
