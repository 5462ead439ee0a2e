-- Sign-in drill-down (SPEC 3.5): the sign-ins behind a figure, here the failed count of one app
-- in apps.sql: failed interactive user sign-ins in the window of the app {app} (its appId or
-- display name, ignoring case), newest first (by created, then id). Change the conditions to
-- drill into another figure (a day: CAST(created AS DATE) = DATE '2026-10-31'; a code:
-- error_code = 50126; a user: LOWER(user_principal_name) = '...'; other event types).
SELECT created, id, event_type, CAST(app_display_name AS STRING) AS app_display_name,
       CAST(app_id AS STRING) AS app_id, user_principal_name, error_code,
       CAST(failure_reason AS STRING) AS failure_reason, ip_address
FROM signins
WHERE event_type = 'interactiveUser' AND (error_code IS NULL OR error_code <> 0)
  AND (LOWER(CAST(app_id AS STRING)) = LOWER('{app}') OR LOWER(CAST(app_display_name AS STRING)) = LOWER('{app}'))
  AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
ORDER BY created DESC, id DESC
