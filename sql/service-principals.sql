-- Service principal sign-in activity (SPEC 3.7, Graph servicePrincipalSignInActivities): per appId
-- X and role, the latest attempt (any status), the latest success and the latest non-interactive
-- user sign-in, each by created, then id (the request id is the sign-in id). Roles:
-- delegatedClient (user sign-ins with appId X), delegatedResource (user sign-ins with resourceId
-- X), applicationAuthenticationClient (service principal and managed identity sign-ins with appId
-- X), applicationAuthenticationResource (those with resourceId X), and last (all four). One row
-- per (appId, role, kind) that has a sign-in; kind is attempt | successful | nonInteractive.
WITH w AS (
  SELECT id, created, error_code, event_type,
         CASE WHEN event_type IN ('interactiveUser', 'nonInteractiveUser') THEN 'delegated' ELSE 'applicationAuthentication' END AS side,
         CAST(app_id AS STRING) AS app, CAST(resource_id AS STRING) AS resource
  FROM signins
  WHERE event_type IN ('interactiveUser', 'nonInteractiveUser', 'servicePrincipal', 'managedIdentity')
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
-- Each sign-in once per side it names (client = appId, resource = resourceId) and per kind it
-- counts for: a cross join with small lists reads the sign-ins once, where a UNION ALL of six
-- selections would read them six times in Spark.
roles AS (
  SELECT CASE WHEN part.p = 'Client' THEN w.app ELSE w.resource END AS app_id, CONCAT(w.side, part.p) AS role,
         w.id AS id, w.created AS created, w.error_code AS error_code, w.event_type AS event_type
  FROM w CROSS JOIN (VALUES ('Client'), ('Resource')) AS part(p)
),
kinds AS (
  SELECT roles.app_id AS app_id, roles.role AS role, k.kind AS kind, roles.id AS id, roles.created AS created
  FROM roles CROSS JOIN (VALUES ('attempt'), ('successful'), ('nonInteractive')) AS k(kind)
  WHERE roles.app_id <> ''
    AND (k.kind = 'attempt' OR (k.kind = 'successful' AND roles.error_code = 0)
         OR (k.kind = 'nonInteractive' AND roles.event_type = 'nonInteractiveUser'))
),
kind_at AS (
  SELECT app_id, role, kind, MAX(created) AS created_at FROM kinds GROUP BY app_id, role, kind
),
latest AS (
  SELECT kinds.app_id AS app_id, kinds.role AS role, kinds.kind AS kind, kinds.created AS created_at, MAX(kinds.id) AS id
  FROM kinds
  JOIN kind_at ON kinds.app_id = kind_at.app_id AND kinds.role = kind_at.role AND kinds.kind = kind_at.kind
    AND kinds.created = kind_at.created_at
  GROUP BY kinds.app_id, kinds.role, kinds.kind, kinds.created
),
-- The latest of all four roles is the latest of their latest sign-ins.
last_at AS (
  SELECT app_id, kind, MAX(created_at) AS created_at FROM latest GROUP BY app_id, kind
),
overall AS (
  SELECT latest.app_id AS app_id, 'last' AS role, latest.kind AS kind, latest.created_at AS created_at, MAX(latest.id) AS id
  FROM latest JOIN last_at ON latest.app_id = last_at.app_id AND latest.kind = last_at.kind AND latest.created_at = last_at.created_at
  GROUP BY latest.app_id, latest.kind, latest.created_at
),
activity AS (
  SELECT app_id, role, kind, created_at, id FROM latest
  UNION ALL
  SELECT app_id, role, kind, created_at, id FROM overall
)
SELECT app_id, role, kind, created_at AS last_sign_in, id AS request_id
FROM activity
ORDER BY app_id, role, kind
