-- Application activity (SPEC 3.1, Graph getAzureADApplicationSignInSummary): interactive user
-- sign-ins per appId in the window, success = errorCode 0 (a missing code is a failure), named by
-- the app's latest sign-in (by created, then id). success_hundredths is the success percentage in
-- hundredths, rounded half away from zero (the report prints it / 100).
WITH w AS (
  SELECT COALESCE(CAST(app_id AS STRING), '') AS app, id, created,
         CAST(app_display_name AS STRING) AS name, error_code
  FROM signins
  WHERE event_type = 'interactiveUser' AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
counts AS (
  SELECT app,
         SUM(CASE WHEN error_code = 0 THEN 1 ELSE 0 END) AS successful,
         SUM(CASE WHEN error_code = 0 THEN 0 ELSE 1 END) AS failed,
         MAX(created) AS last_at
  FROM w
  GROUP BY app
),
last_id AS (
  SELECT w.app AS app, MAX(w.id) AS last_id
  FROM w JOIN counts ON w.app = counts.app AND w.created = counts.last_at
  GROUP BY w.app
)
SELECT counts.app AS id, w.name AS app_display_name, counts.successful AS successful, counts.failed AS failed,
       FLOOR((counts.successful * 20000.0 + counts.successful + counts.failed)
             / (2.0 * (counts.successful + counts.failed))) AS success_hundredths
FROM counts
JOIN last_id ON counts.app = last_id.app
JOIN w ON w.app = last_id.app AND w.id = last_id.last_id
ORDER BY counts.successful + counts.failed DESC, counts.app
