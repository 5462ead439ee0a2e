-- AD FS application activity (SPEC 3.6, Graph getRelyingPartyDetailedSummary) without the
-- migration readiness (which parses the relying-party trust export and its claim rules): AD FS
-- sign-ins in the AD FS window ({adfs_start}, {adfs_end}: its own as-of) per relying party
-- identifier, Microsoft's own parties (urn:federation:MicrosoftOnline, urn:ms-drs:...) left out;
-- named by the latest sign-in (by created, then id); distinct users by lower-cased UPN, else user
-- id; success_hundredths as in apps.sql. Sorted by total desc, then relying party.
WITH w AS (
  SELECT CAST(resource_id AS STRING) AS rp, id, created, error_code,
         CAST(resource_display_name AS STRING) AS name,
         CASE WHEN TRIM(user_principal_name) <> '' THEN LOWER(TRIM(user_principal_name))
              WHEN TRIM(user_id) <> '' THEN CONCAT('id:', LOWER(TRIM(user_id))) END AS user_key
  FROM adfs_signins
  WHERE created >= TIMESTAMP '{adfs_start}' AND created < TIMESTAMP '{adfs_end}'
    AND date >= CAST(TIMESTAMP '{adfs_start}' AS DATE) AND date <= CAST(TIMESTAMP '{adfs_end}' AS DATE)
    AND TRIM(CAST(resource_id AS STRING)) <> ''
    AND LOWER(TRIM(CAST(resource_id AS STRING))) <> 'urn:federation:microsoftonline'
    AND LOWER(TRIM(CAST(resource_id AS STRING))) NOT LIKE 'urn:ms-drs:%'
),
counts AS (
  SELECT rp,
         SUM(CASE WHEN error_code = 0 THEN 1 ELSE 0 END) AS successful,
         SUM(CASE WHEN error_code = 0 THEN 0 ELSE 1 END) AS failed,
         COUNT(DISTINCT user_key) AS users,
         MAX(created) AS last_at
  FROM w
  GROUP BY rp
),
last_id AS (
  SELECT w.rp AS rp, MAX(w.id) AS id
  FROM w JOIN counts ON w.rp = counts.rp AND w.created = counts.last_at
  GROUP BY w.rp
)
SELECT counts.rp AS relying_party_id, w.name AS relying_party_name, counts.successful AS successful,
       counts.failed AS failed, counts.successful + counts.failed AS total, counts.users AS unique_users,
       FLOOR((counts.successful * 20000.0 + counts.successful + counts.failed)
             / (2.0 * (counts.successful + counts.failed))) AS success_hundredths
FROM counts
JOIN last_id ON counts.rp = last_id.rp
JOIN w ON w.rp = last_id.rp AND w.id = last_id.id
ORDER BY counts.successful + counts.failed DESC, counts.rp
