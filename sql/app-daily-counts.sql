-- Daily detail counts (SPEC 3.2, Graph applicationSignInDetailedSummary, without the latest
-- status text): interactive user sign-ins per appId, UTC day and error code.
SELECT COALESCE(CAST(app_id AS STRING), '') AS app, CAST(created AS DATE) AS day, error_code, COUNT(*) AS sign_ins
FROM signins
WHERE event_type = 'interactiveUser' AND created >= CAST('{start}' AS TIMESTAMP) AND created < CAST('{end}' AS TIMESTAMP)
GROUP BY COALESCE(CAST(app_id AS STRING), ''), CAST(created AS DATE), error_code
