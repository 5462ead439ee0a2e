-- Sign-ins by authentication method (SPEC 3.9, Graph userSignInsByAuthMethodSummary): successful
-- interactive user sign-ins in the window per method they used. The stored methods of a sign-in
-- (its succeeded authentication steps, each once) are split at the store's list separator
-- ({sep}, U+001F; at most 32 parts); each name is mapped to its usageAuthMethod id by the curated
-- table below (ignoring case and surrounding spaces: the same table as
-- src/report/auth_methods.rs, which a test keeps equal), a name not in it is counted under its
-- own text. Sign-ins without authentication details (null) are not counted. Graph's methods
-- first, in Graph's order and with zeros, then the others by count desc, then method.
WITH n AS (
  SELECT i FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15), (16),
                        (17), (18), (19), (20), (21), (22), (23), (24), (25), (26), (27), (28), (29), (30), (31), (32)) AS t(i)
),
names AS (
  SELECT logged, method FROM (VALUES
    ('Password', 'password'),
    ('CloudOnlyPassword', 'password'),
    ('Windows Hello for Business', 'windowsHelloForBusiness'),
    ('FIDO2 security key', 'fido2SecurityKey'),
    ('Passkey (device-bound)', 'passKeyDeviceBound'),
    ('Passkey (synced)', 'passKeySynced'),
    ('Passkey (Microsoft Authenticator)', 'passKeyDeviceBoundAuthenticator'),
    ('Passkey (Windows Hello)', 'passKeyDeviceBoundWindowsHello'),
    ('Passwordless phone sign-in', 'microsoftAuthenticatorPasswordless'),
    ('Microsoft Authenticator (passwordless)', 'microsoftAuthenticatorPasswordless'),
    ('Temporary Access Pass', 'temporaryAccessPass'),
    ('Platform Credential for macOS', 'macOsSecureEnclaveKey'),
    ('macOS Secure Enclave Key', 'macOsSecureEnclaveKey'),
    ('SMS Sign-in', 'smsSignIn'),
    ('QR code', 'qrCode'),
    ('Mobile app notification', 'microsoftAuthenticatorPush'),
    ('Authenticator App', 'microsoftAuthenticatorPush'),
    ('Text message', 'sms'),
    ('SMS', 'sms'),
    ('Phone call', 'mobilePhone'),
    ('Voice', 'mobilePhone'),
    ('Alternate phone call', 'alternateMobilePhone'),
    ('Office phone call', 'officePhone'),
    ('OATH verification code', 'oneTimePasscode'),
    ('Software OATH token', 'softwareOneTimePasscode'),
    ('Hardware OATH token', 'hardwareOneTimePasscode'),
    ('Email verification code', 'email'),
    ('Email one-time passcode', 'email'),
    ('External authentication method', 'externalAuthMethod'),
    ('App password', 'appPassword')
  ) AS t(logged, method)
),
graph_order AS (
  SELECT method, position FROM (VALUES
    ('password', 1),
    ('sms', 2),
    ('smsSignIn', 3),
    ('mobilePhone', 4),
    ('alternateMobilePhone', 5),
    ('officePhone', 6),
    ('microsoftAuthenticatorPush', 7),
    ('oneTimePasscode', 8),
    ('microsoftAuthenticatorPasswordless', 9),
    ('windowsHelloForBusiness', 10),
    ('fido2SecurityKey', 11),
    ('temporaryAccessPass', 12),
    ('macOsSecureEnclaveKey', 13),
    ('passKeyDeviceBound', 14),
    ('passKeySynced', 15),
    ('externalAuthMethod', 16)
  ) AS t(method, position)
),
combos AS (
  SELECT CAST(auth_methods AS STRING) AS methods, COUNT(*) AS sign_ins
  FROM signins
  WHERE event_type = 'interactiveUser' AND error_code = 0 AND auth_methods IS NOT NULL
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
  GROUP BY CAST(auth_methods AS STRING)
),
used AS (
  SELECT SPLIT_PART(combos.methods, '{sep}', n.i) AS name, combos.sign_ins AS sign_ins
  FROM combos CROSS JOIN n
),
counted AS (
  SELECT COALESCE(names.method, used.name) AS method, SUM(used.sign_ins) AS sign_ins
  FROM used LEFT JOIN names ON LOWER(TRIM(used.name)) = LOWER(names.logged)
  WHERE used.name <> ''
  GROUP BY COALESCE(names.method, used.name)
),
listed AS (
  SELECT graph_order.method AS method, COALESCE(counted.sign_ins, 0) AS sign_ins, graph_order.position AS position
  FROM graph_order LEFT JOIN counted ON graph_order.method = counted.method
  UNION ALL
  SELECT counted.method AS method, counted.sign_ins AS sign_ins, 100 AS position
  FROM counted LEFT JOIN graph_order ON counted.method = graph_order.method
  WHERE graph_order.method IS NULL
)
SELECT method, sign_ins FROM listed ORDER BY position, sign_ins DESC, method
