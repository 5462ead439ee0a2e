-- Last sign-in per application (SPEC 3.4): over user sign-ins in the window, per app the latest
-- interactive sign-in (any status), the latest non-interactive one and the latest successful one
-- (each by created, then id; the request id is the sign-in id), the app named by its latest
-- sign-in. Apps of the credential inventory nobody signed in to are in `app-unused.sql`.
-- One row per (app, kind) that has a sign-in; kind is interactive | nonInteractive | successful.
WITH w AS (
  SELECT COALESCE(CAST(app_id AS STRING), '') AS app, id, created, event_type, error_code,
         CAST(app_display_name AS STRING) AS name
  FROM signins
  WHERE event_type IN ('interactiveUser', 'nonInteractiveUser')
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
-- Each sign-in once per kind it counts for (a cross join reads the sign-ins once in Spark).
kinds AS (
  SELECT w.app AS app, k.kind AS kind, w.id AS id, w.created AS created
  FROM w CROSS JOIN (VALUES ('interactive'), ('nonInteractive'), ('successful'), ('any')) AS k(kind)
  WHERE k.kind = 'any' OR (k.kind = 'interactive' AND w.event_type = 'interactiveUser')
     OR (k.kind = 'nonInteractive' AND w.event_type = 'nonInteractiveUser')
     OR (k.kind = 'successful' AND w.error_code = 0)
),
kind_at AS (
  SELECT app, kind, MAX(created) AS at FROM kinds GROUP BY app, kind
),
latest AS (
  SELECT kinds.app AS app, kinds.kind AS kind, kinds.created AS at, MAX(kinds.id) AS id
  FROM kinds JOIN kind_at ON kinds.app = kind_at.app AND kinds.kind = kind_at.kind AND kinds.created = kind_at.at
  GROUP BY kinds.app, kinds.kind, kinds.created
),
app_name AS (
  SELECT latest.app AS app, w.name AS name
  FROM latest JOIN w ON latest.app = w.app AND latest.id = w.id
  WHERE latest.kind = 'any'
)
SELECT latest.app AS app_id, app_name.name AS app_display_name, latest.kind AS kind,
       latest.at AS last_sign_in, latest.id AS request_id
FROM latest JOIN app_name ON latest.app = app_name.app
WHERE latest.kind <> 'any'
ORDER BY latest.app, latest.kind
