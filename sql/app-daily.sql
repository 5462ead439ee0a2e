-- Daily detail (SPEC 3.2, Graph applicationSignInDetailedSummary): interactive user sign-ins per
-- appId, UTC day and error code (a missing code is its own group, null), with the app name and
-- the status text (failure reason, additional details) of the group's latest sign-in (by
-- created, then id). Sorted by app, day, then code (null last).
WITH w AS (
  SELECT COALESCE(CAST(app_id AS STRING), '') AS app, CAST(created AS DATE) AS day, id, created,
         COALESCE(CAST(error_code AS BIGINT), 4294967296) AS code,
         CAST(app_display_name AS STRING) AS name, CAST(failure_reason AS STRING) AS reason,
         CAST(additional_details AS STRING) AS details
  FROM signins
  WHERE event_type = 'interactiveUser' AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
groups AS (
  SELECT app, day, code, COUNT(*) AS sign_ins, MAX(created) AS at FROM w GROUP BY app, day, code
),
last_id AS (
  SELECT w.app AS app, w.day AS day, w.code AS code, MAX(w.id) AS id
  FROM w JOIN groups ON w.app = groups.app AND w.day = groups.day AND w.code = groups.code AND w.created = groups.at
  GROUP BY w.app, w.day, w.code
)
SELECT groups.app AS app_id, w.name AS app_display_name, groups.day AS day,
       CASE WHEN groups.code = 4294967296 THEN NULL ELSE groups.code END AS error_code,
       groups.sign_ins AS sign_ins, w.reason AS failure_reason, w.details AS additional_details
FROM groups
JOIN last_id ON groups.app = last_id.app AND groups.day = last_id.day AND groups.code = last_id.code
JOIN w ON w.app = last_id.app AND w.id = last_id.id
ORDER BY groups.app, groups.day, groups.code
