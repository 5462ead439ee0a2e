-- MFA gaps (SPEC 6.5): successful interactive user sign-ins (errorCode 0) in the window, per
-- appId, those into another tenant's resource left out. Our tenant is the one the most of these
-- sign-ins name as home or resource tenant (ties: the resource of more, then the smallest id);
-- a sign-in is left out when its resource tenant is known and not ours. Rows with at least one
-- single-factor sign-in (authenticationRequirement singleFactorAuthentication): sign-ins,
-- single- and multi-factor ones, the single-factor share in hundredths (rounded half away from
-- zero), distinct users (the UPN lower-cased, else the user id) and single-factor users, the
-- last sign-in, the app named by its latest sign-in. Sorted by single-factor users and sign-ins
-- descending, then appId (a missing one last: the last column is that key).
WITH ok AS (
  SELECT COALESCE(NULLIF(TRIM(CAST(app_id AS STRING)), ''), '') AS app,
         NULLIF(TRIM(CAST(app_display_name AS STRING)), '') AS name,
         LOWER(NULLIF(TRIM(CAST(home_tenant_id AS STRING)), '')) AS home,
         LOWER(NULLIF(TRIM(CAST(resource_tenant_id AS STRING)), '')) AS res,
         LOWER(COALESCE(TRIM(CAST(authentication_requirement AS STRING)), '')) AS req,
         COALESCE(NULLIF(LOWER(TRIM(user_principal_name)), ''), NULLIF(LOWER(TRIM(user_id)), '')) AS usr,
         id, created
  FROM signins
  WHERE event_type = 'interactiveUser' AND error_code = 0
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
named AS (
  SELECT tenant, SUM(named) AS named, SUM(as_resource) AS as_resource FROM (
    SELECT home AS tenant, 1 AS named, 0 AS as_resource FROM ok WHERE home IS NOT NULL
    UNION ALL
    SELECT res AS tenant, CASE WHEN home = res THEN 0 ELSE 1 END AS named, 1 AS as_resource
    FROM ok WHERE res IS NOT NULL
  ) t GROUP BY tenant
),
most AS (SELECT MAX(named) AS named FROM named),
most_res AS (SELECT MAX(named.as_resource) AS as_resource FROM named JOIN most ON named.named = most.named),
ours AS (
  SELECT MIN(named.tenant) AS tenant
  FROM named JOIN most ON named.named = most.named JOIN most_res ON named.as_resource = most_res.as_resource
),
kept AS (
  SELECT ok.* FROM ok CROSS JOIN ours
  WHERE ok.res IS NULL OR ours.tenant IS NULL OR ok.res = ours.tenant
),
groups AS (
  SELECT app, COUNT(*) AS sign_ins,
         SUM(CASE WHEN req = 'singlefactorauthentication' THEN 1 ELSE 0 END) AS single,
         SUM(CASE WHEN req = 'multifactorauthentication' THEN 1 ELSE 0 END) AS multi,
         COUNT(DISTINCT usr) AS users,
         COUNT(DISTINCT CASE WHEN req = 'singlefactorauthentication' THEN usr END) AS single_users,
         MAX(created) AS last_at
  FROM kept GROUP BY app
),
last_id AS (
  SELECT kept.app AS app, MAX(kept.id) AS id
  FROM kept JOIN groups ON kept.app = groups.app AND kept.created = groups.last_at
  GROUP BY kept.app
)
SELECT NULLIF(groups.app, '') AS app_id, kept.name AS app_display_name, groups.sign_ins AS sign_ins,
       groups.single AS single_factor, groups.multi AS multi_factor,
       FLOOR((groups.single * 20000.0 + groups.sign_ins) / (2.0 * groups.sign_ins)) AS single_factor_hundredths,
       groups.users AS users, groups.single_users AS single_factor_users, groups.last_at AS last_sign_in,
       CASE WHEN groups.app = '' THEN 1 ELSE 0 END AS sort_no_app
FROM groups
JOIN last_id ON groups.app = last_id.app
JOIN kept ON kept.app = last_id.app AND kept.id = last_id.id
WHERE groups.single > 0
ORDER BY single_factor_users DESC, single_factor DESC, sort_no_app, groups.app
