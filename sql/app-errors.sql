-- Top sign-in errors per application (SPEC 3.3): user sign-ins (interactive and non-interactive)
-- in the window; per app its failing error codes (a missing code is a failure too, listed as
-- null after every code) by count desc, then code asc, the first {top}; the failure reason of the
-- latest sign-in (by created, then id) with that code; the app named by its latest sign-in;
-- share_hundredths = the code's share of the app's failures in hundredths, rounded half away from
-- zero. Ranks are counted by a self-join (no window functions: polars cannot rank by a count
-- descending and a code ascending). Sorted by app, rank.
WITH w AS (
  SELECT COALESCE(CAST(app_id AS STRING), '') AS app, id, created,
         CAST(app_display_name AS STRING) AS name, error_code,
         COALESCE(CAST(error_code AS BIGINT), 4294967296) AS code,
         CAST(failure_reason AS STRING) AS reason
  FROM signins
  WHERE event_type IN ('interactiveUser', 'nonInteractiveUser')
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
app_at AS (
  SELECT app, MAX(created) AS at FROM w GROUP BY app
),
app_last AS (
  SELECT w.app AS app, MAX(w.id) AS id
  FROM w JOIN app_at ON w.app = app_at.app AND w.created = app_at.at
  GROUP BY w.app
),
app_name AS (
  SELECT w.app AS app, w.name AS name FROM w JOIN app_last ON w.app = app_last.app AND w.id = app_last.id
),
failed AS (
  SELECT * FROM w WHERE error_code IS NULL OR error_code <> 0
),
codes AS (
  SELECT app, code, COUNT(*) AS sign_ins, MAX(created) AS at FROM failed GROUP BY app, code
),
code_last AS (
  SELECT failed.app AS app, failed.code AS code, MAX(failed.id) AS id
  FROM failed JOIN codes ON failed.app = codes.app AND failed.code = codes.code AND failed.created = codes.at
  GROUP BY failed.app, failed.code
),
code_reason AS (
  SELECT failed.app AS app, failed.code AS code, failed.reason AS reason
  FROM failed JOIN code_last ON failed.app = code_last.app AND failed.code = code_last.code AND failed.id = code_last.id
),
ranked AS (
  SELECT a.app AS app, a.code AS code,
         1 + SUM(CASE WHEN b.sign_ins > a.sign_ins OR (b.sign_ins = a.sign_ins AND b.code < a.code) THEN 1 ELSE 0 END) AS rank,
         SUM(b.sign_ins) AS app_failures
  FROM codes a JOIN codes b ON a.app = b.app
  GROUP BY a.app, a.code
)
SELECT ranked.app AS app_id, app_name.name AS app_display_name, ranked.rank AS rank,
       CASE WHEN ranked.code = 4294967296 THEN NULL ELSE ranked.code END AS error_code,
       code_reason.reason AS failure_reason, codes.sign_ins AS sign_ins,
       FLOOR((codes.sign_ins * 20000.0 + ranked.app_failures) / (2.0 * ranked.app_failures)) AS share_hundredths
FROM ranked
JOIN codes ON ranked.app = codes.app AND ranked.code = codes.code
JOIN code_reason ON ranked.app = code_reason.app AND ranked.code = code_reason.code
JOIN app_name ON ranked.app = app_name.app
WHERE ranked.rank <= {top}
ORDER BY ranked.app, ranked.rank
