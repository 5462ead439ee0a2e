-- Password resets and changes (SPEC 3.9, Graph userPasswordResetsAndChangesSummary): successful
-- events per UTC day of the audit window, counted from their activity name (compared ignoring
-- case and surrounding spaces, whichever service logged it). Days without any such event are not
-- rows here (the native report lists every day of the window, with zeros).
WITH e AS (
  SELECT CAST(activity AS DATE) AS day, LOWER(TRIM(CAST(activity_display_name AS STRING))) AS what
  FROM audits
  WHERE LOWER(TRIM(CAST(result AS STRING))) = 'success' AND activity >= TIMESTAMP '{audit_start}' AND activity < TIMESTAMP '{audit_end}'
)
SELECT day,
       SUM(CASE WHEN what = 'reset password (by admin)' THEN 1 ELSE 0 END) AS resets_by_admin,
       SUM(CASE WHEN what = 'reset password (self-service)' THEN 1 ELSE 0 END) AS resets_self_service,
       SUM(CASE WHEN what = 'change password (self-service)' THEN 1 ELSE 0 END) AS changes_self_service
FROM e
WHERE what IN ('reset password (by admin)', 'reset password (self-service)', 'change password (self-service)')
GROUP BY day
ORDER BY day
