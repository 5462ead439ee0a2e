-- Risky sign-ins (SPEC 6.5): interactive and non-interactive user sign-ins in the window whose
-- riskLevelDuringSignIn is low, medium or high, or whose riskState is set and not none. Per
-- (user, IP address): the user is the UPN lower-cased, else the user id; the display name and the
-- risk state are those of the group's latest sign-in (by created, then id). Counts per level,
-- successes (errorCode 0) and the rest, distinct users, the last sign-in. Sorted by high, medium,
-- low and all sign-ins, each descending, then user and address (a missing one last: the last two
-- columns are those keys, selected because polars cannot order by a CASE).
WITH w AS (
  SELECT COALESCE(NULLIF(LOWER(TRIM(user_principal_name)), ''), NULLIF(LOWER(TRIM(user_id)), ''), '') AS usr,
         COALESCE(NULLIF(TRIM(ip_address), ''), '') AS ip,
         LOWER(COALESCE(TRIM(CAST(risk_level AS STRING)), '')) AS lvl,
         NULLIF(TRIM(CAST(risk_state AS STRING)), '') AS state,
         NULLIF(TRIM(user_display_name), '') AS name,
         id, created, error_code
  FROM signins
  WHERE event_type IN ('interactiveUser', 'nonInteractiveUser')
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
risky AS (
  SELECT * FROM w
  WHERE lvl IN ('low', 'medium', 'high') OR (state IS NOT NULL AND LOWER(state) <> 'none')
),
groups AS (
  SELECT usr, ip, COUNT(*) AS sign_ins,
         SUM(CASE WHEN lvl = 'high' THEN 1 ELSE 0 END) AS high,
         SUM(CASE WHEN lvl = 'medium' THEN 1 ELSE 0 END) AS medium,
         SUM(CASE WHEN lvl = 'low' THEN 1 ELSE 0 END) AS low,
         SUM(CASE WHEN error_code = 0 THEN 1 ELSE 0 END) AS success,
         COUNT(DISTINCT NULLIF(usr, '')) AS users, MAX(created) AS last_at
  FROM risky GROUP BY usr, ip
),
last_id AS (
  SELECT risky.usr AS usr, risky.ip AS ip, MAX(risky.id) AS id
  FROM risky JOIN groups ON risky.usr = groups.usr AND risky.ip = groups.ip AND risky.created = groups.last_at
  GROUP BY risky.usr, risky.ip
)
SELECT NULLIF(groups.usr, '') AS user_principal_name, risky.name AS user_display_name,
       NULLIF(groups.ip, '') AS ip_address, groups.sign_ins AS sign_ins, groups.high AS high,
       groups.medium AS medium, groups.low AS low, groups.success AS success,
       groups.sign_ins - groups.success AS failure, groups.users AS users, risky.state AS latest_risk_state,
       groups.last_at AS last_sign_in,
       CASE WHEN groups.usr = '' THEN 1 ELSE 0 END AS sort_no_user,
       CASE WHEN groups.ip = '' THEN 1 ELSE 0 END AS sort_no_ip
FROM groups
JOIN last_id ON groups.usr = last_id.usr AND groups.ip = last_id.ip
JOIN risky ON risky.usr = last_id.usr AND risky.ip = last_id.ip AND risky.id = last_id.id
ORDER BY high DESC, medium DESC, low DESC, sign_ins DESC, sort_no_user, groups.usr, sort_no_ip, groups.ip
