-- Sign-in failure analysis (SPEC 6.3): interactive user sign-ins in the window, one row per error
-- code other than 0 (a missing code is a failure, grouped under 4294967296 and sorted last): its
-- outcome (interrupted when the code is one of SPEC 6.0's interrupts, else failure), the failure
-- reason of its latest sign-in (by created, then id), sign-ins, distinct users (the UPN
-- lower-cased, else the user id), distinct apps (appId lower-cased), the last sign-in. Sorted by
-- sign-ins desc, code asc. The totals per outcome are the sums of these rows plus the successes.
WITH w AS (
  SELECT id, created, COALESCE(CAST(error_code AS BIGINT), 4294967296) AS code,
         CAST(failure_reason AS STRING) AS reason,
         NULLIF(LOWER(TRIM(CAST(app_id AS STRING))), '') AS app,
         COALESCE(NULLIF(LOWER(TRIM(user_principal_name)), ''), NULLIF(TRIM(user_id), '')) AS usr
  FROM signins
  WHERE event_type = 'interactiveUser' AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
    AND (error_code IS NULL OR error_code <> 0)
),
codes AS (
  SELECT code, COUNT(*) AS sign_ins, COUNT(DISTINCT usr) AS users, COUNT(DISTINCT app) AS apps,
         MAX(created) AS last_at
  FROM w GROUP BY code
),
last_id AS (
  SELECT w.code AS code, MAX(w.id) AS id FROM w JOIN codes ON w.code = codes.code AND w.created = codes.last_at
  GROUP BY w.code
)
SELECT CASE WHEN codes.code = 4294967296 THEN NULL ELSE codes.code END AS error_code,
       CASE WHEN codes.code IN (50058, 50140, 51006, 50059, 65001, 52004, 50055, 50144, 50072, 50074, 16000,
                                16001, 16003, 50127, 50125, 50129, 50143, 81010, 81014, 81012, 29200, 50019,
                                50076, 50097, 50158, 165100, 50148)
            THEN 'interrupted' ELSE 'failure' END AS outcome,
       w.reason AS failure_reason, codes.sign_ins AS sign_ins, codes.users AS users, codes.apps AS apps,
       codes.last_at AS last_sign_in
FROM codes JOIN last_id ON codes.code = last_id.code JOIN w ON w.code = last_id.code AND w.id = last_id.id
ORDER BY codes.sign_ins DESC, codes.code
