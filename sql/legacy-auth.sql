-- Sign-ins using legacy authentication (SPEC 6.2): interactive and non-interactive user sign-ins
-- in the window whose client app is neither Browser nor Mobile Apps and Desktop clients (an empty
-- or missing one is Unknown, counted as legacy), cross-tenant sign-ins (home and resource tenant
-- both known and different) left out. Per (client app, appId): sign-ins, successes (errorCode 0;
-- interrupts are failures here), failures, distinct users (the UPN lower-cased, else the user id),
-- the last sign-in, the app named by its latest sign-in (by created, then id). Sorted by users
-- desc, sign-ins desc, client app, appId (a missing appId last: the last column, sort_no_app, is
-- that key, selected because polars cannot order by a CASE).
WITH w AS (
  SELECT COALESCE(NULLIF(TRIM(CAST(client_app_used AS STRING)), ''), 'Unknown') AS client,
         COALESCE(NULLIF(TRIM(CAST(app_id AS STRING)), ''), '') AS app,
         id, created, error_code,
         NULLIF(TRIM(CAST(app_display_name AS STRING)), '') AS name,
         COALESCE(NULLIF(LOWER(TRIM(user_principal_name)), ''), NULLIF(TRIM(user_id), '')) AS usr
  FROM signins
  WHERE event_type IN ('interactiveUser', 'nonInteractiveUser')
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
    AND NOT (home_tenant_id IS NOT NULL AND resource_tenant_id IS NOT NULL
             AND LOWER(CAST(home_tenant_id AS STRING)) <> LOWER(CAST(resource_tenant_id AS STRING)))
),
legacy AS (
  SELECT * FROM w WHERE LOWER(client) NOT IN ('browser', 'mobile apps and desktop clients')
),
groups AS (
  SELECT client, app, COUNT(*) AS sign_ins, SUM(CASE WHEN error_code = 0 THEN 1 ELSE 0 END) AS success,
         COUNT(DISTINCT usr) AS users, MAX(created) AS last_at
  FROM legacy GROUP BY client, app
),
last_id AS (
  SELECT legacy.client AS client, legacy.app AS app, MAX(legacy.id) AS id
  FROM legacy JOIN groups ON legacy.client = groups.client AND legacy.app = groups.app AND legacy.created = groups.last_at
  GROUP BY legacy.client, legacy.app
),
names AS (
  SELECT legacy.client AS client, legacy.app AS app, legacy.name AS name
  FROM legacy JOIN last_id ON legacy.client = last_id.client AND legacy.app = last_id.app AND legacy.id = last_id.id
)
SELECT groups.client AS client_app_used, NULLIF(groups.app, '') AS app_id, names.name AS app_display_name,
       groups.sign_ins AS sign_ins, groups.success AS success, groups.sign_ins - groups.success AS failure,
       groups.users AS users, groups.last_at AS last_sign_in,
       CASE WHEN groups.app = '' THEN 1 ELSE 0 END AS sort_no_app
FROM groups LEFT JOIN names ON groups.client = names.client AND groups.app = names.app
ORDER BY groups.users DESC, groups.sign_ins DESC, groups.client, sort_no_app, groups.app
