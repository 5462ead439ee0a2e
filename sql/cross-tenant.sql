-- Cross-tenant sign-ins (SPEC 6.5): interactive user sign-ins in the window that cross the
-- tenant boundary. Our tenant is the one the most of them name as home or resource tenant (ties:
-- the resource of more, then the smallest id). Inbound: the home tenant is known and not ours
-- (the external tenant is the home one); else outbound: the resource tenant is known and not
-- ours. Per (direction, external tenant, crossTenantAccessType): sign-ins, successes (errorCode
-- 0) and the rest, distinct users (the UPN lower-cased, else the user id) and apps (appId
-- lower-cased), the last sign-in. Sorted by sign-ins descending, then direction, tenant and
-- access type (a missing one last: the last column is that key).
WITH w AS (
  SELECT LOWER(NULLIF(TRIM(CAST(home_tenant_id AS STRING)), '')) AS home,
         LOWER(NULLIF(TRIM(CAST(resource_tenant_id AS STRING)), '')) AS res,
         COALESCE(NULLIF(TRIM(CAST(cross_tenant_access_type AS STRING)), ''), '') AS access,
         COALESCE(NULLIF(LOWER(TRIM(user_principal_name)), ''), NULLIF(LOWER(TRIM(user_id)), '')) AS usr,
         LOWER(NULLIF(TRIM(CAST(app_id AS STRING)), '')) AS app,
         created, error_code
  FROM signins
  WHERE event_type = 'interactiveUser'
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
named AS (
  SELECT tenant, SUM(named) AS named, SUM(as_resource) AS as_resource FROM (
    SELECT home AS tenant, 1 AS named, 0 AS as_resource FROM w WHERE home IS NOT NULL
    UNION ALL
    SELECT res AS tenant, CASE WHEN home = res THEN 0 ELSE 1 END AS named, 1 AS as_resource
    FROM w WHERE res IS NOT NULL
  ) t GROUP BY tenant
),
most AS (SELECT MAX(named) AS named FROM named),
most_res AS (SELECT MAX(named.as_resource) AS as_resource FROM named JOIN most ON named.named = most.named),
ours AS (
  SELECT MIN(named.tenant) AS tenant
  FROM named JOIN most ON named.named = most.named JOIN most_res ON named.as_resource = most_res.as_resource
),
placed AS (
  SELECT CASE WHEN w.home IS NOT NULL AND w.home <> ours.tenant THEN 'inbound' ELSE 'outbound' END AS direction,
         CASE WHEN w.home IS NOT NULL AND w.home <> ours.tenant THEN w.home ELSE w.res END AS tenant,
         w.access AS access, w.usr AS usr, w.app AS app, w.created AS created, w.error_code AS error_code
  FROM w CROSS JOIN ours
  WHERE (w.home IS NOT NULL AND w.home <> ours.tenant) OR (w.res IS NOT NULL AND w.res <> ours.tenant)
)
SELECT direction, tenant AS external_tenant_id, NULLIF(access, '') AS cross_tenant_access_type,
       COUNT(*) AS sign_ins, SUM(CASE WHEN error_code = 0 THEN 1 ELSE 0 END) AS success,
       SUM(CASE WHEN error_code = 0 THEN 0 ELSE 1 END) AS failure, COUNT(DISTINCT usr) AS users,
       COUNT(DISTINCT app) AS apps, MAX(created) AS last_sign_in,
       CASE WHEN access = '' THEN 1 ELSE 0 END AS sort_no_access
FROM placed
GROUP BY direction, tenant, access
ORDER BY sign_ins DESC, direction, external_tenant_id, sort_no_access, access
