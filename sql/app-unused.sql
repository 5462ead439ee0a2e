-- Unused applications (SPEC 3.4, the rows of the last-sign-in report with no activity): the
-- appIds of the credential inventory (applications and service principals) with no user sign-in
-- in the window, compared case-insensitively; named by the application object, else the service
-- principal. Sorted by appId.
WITH seen AS (
  SELECT DISTINCT LOWER(CAST(app_id AS STRING)) AS app
  FROM signins
  WHERE event_type IN ('interactiveUser', 'nonInteractiveUser') AND app_id IS NOT NULL
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
inventory AS (
  SELECT LOWER(app_id) AS app, app_id, origin, object_display_name AS name FROM credentials
),
first_origin AS (
  SELECT app, MIN(origin) AS origin FROM inventory GROUP BY app
),
unused AS (
  SELECT inventory.app AS app, MIN(inventory.app_id) AS app_id, MAX(inventory.name) AS name
  FROM inventory
  JOIN first_origin ON inventory.app = first_origin.app AND inventory.origin = first_origin.origin
  LEFT JOIN seen ON inventory.app = seen.app
  WHERE seen.app IS NULL
  GROUP BY inventory.app
)
SELECT app_id, name AS app_display_name FROM unused ORDER BY app_id
