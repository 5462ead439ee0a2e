-- Application credential activity (SPEC 3.8, Graph appCredentialSignInActivities): service
-- principal sign-ins in the window with a credential key id, per key (trimmed, compared
-- case-insensitively, shown as first spelled in code-point order): the latest attempt (its
-- appId and resourceId) and the latest success, by created, then id. Full outer join with the
-- credentials of the inventory by key id: unused credentials (finding 'unused') and keys the
-- inventory does not know ('notInInventory') both appear; such a key takes its key type from the
-- latest sign-in whose clientCredentialType is certificate or clientSecret. Sorted by key id,
-- then origin.
-- (`credentials.end`, qualified: Spark reads a double-quoted "end" as a string.)
WITH used_rows AS (
  SELECT TRIM(CAST(credential_key_id AS STRING)) AS key_id, LOWER(TRIM(CAST(credential_key_id AS STRING))) AS k,
         id, created, error_code,
         NULLIF(CAST(app_id AS STRING), '') AS app_id, NULLIF(CAST(resource_id AS STRING), '') AS resource_id,
         CASE WHEN LOWER(TRIM(CAST(client_credential_type AS STRING))) = 'certificate' THEN 'certificate'
              WHEN LOWER(TRIM(CAST(client_credential_type AS STRING))) = 'clientsecret' THEN 'clientSecret'
         END AS typed
  FROM signins
  WHERE event_type = 'servicePrincipal' AND TRIM(CAST(credential_key_id AS STRING)) <> ''
    AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
),
attempt_at AS (
  SELECT k, MIN(key_id) AS key_id, MAX(created) AS at FROM used_rows GROUP BY k
),
attempt_id AS (
  SELECT used_rows.k AS k, MAX(used_rows.id) AS id
  FROM used_rows JOIN attempt_at ON used_rows.k = attempt_at.k AND used_rows.created = attempt_at.at
  GROUP BY used_rows.k
),
success_at AS (
  SELECT k, MAX(created) AS at FROM used_rows WHERE error_code = 0 GROUP BY k
),
success AS (
  SELECT used_rows.k AS k, used_rows.created AS at, MAX(used_rows.id) AS id
  FROM used_rows JOIN success_at ON used_rows.k = success_at.k AND used_rows.created = success_at.at
  WHERE used_rows.error_code = 0
  GROUP BY used_rows.k, used_rows.created
),
typed_at AS (
  SELECT k, MAX(created) AS at FROM used_rows WHERE typed IS NOT NULL GROUP BY k
),
typed_id AS (
  SELECT used_rows.k AS k, MAX(used_rows.id) AS id
  FROM used_rows JOIN typed_at ON used_rows.k = typed_at.k AND used_rows.created = typed_at.at
  WHERE used_rows.typed IS NOT NULL
  GROUP BY used_rows.k
),
key_types AS (
  SELECT used_rows.k AS k, used_rows.typed AS typed
  FROM used_rows JOIN typed_id ON used_rows.k = typed_id.k AND used_rows.id = typed_id.id
),
used AS (
  SELECT attempt_at.k AS k, attempt_at.key_id AS key_id, used_rows.app_id AS app_id,
         used_rows.resource_id AS resource_id, used_rows.created AS last_at, used_rows.id AS last_id,
         success.at AS success_at, success.id AS success_id, key_types.typed AS typed
  FROM attempt_at
  JOIN attempt_id ON attempt_at.k = attempt_id.k
  JOIN used_rows ON used_rows.k = attempt_id.k AND used_rows.id = attempt_id.id
  LEFT JOIN success ON attempt_at.k = success.k
  LEFT JOIN key_types ON attempt_at.k = key_types.k
),
inventory AS (
  SELECT LOWER(key_id) AS k, key_id, origin, app_id, key_type, key_usage, credentials.end AS expires
  FROM credentials
  WHERE key_id IS NOT NULL
)
SELECT COALESCE(inventory.key_id, used.key_id) AS key_id, inventory.origin AS credential_origin,
       COALESCE(inventory.app_id, used.app_id) AS app_id, COALESCE(inventory.key_type, used.typed) AS key_type,
       inventory.key_usage AS key_usage, inventory.expires AS expires, used.resource_id AS resource_id,
       used.last_at AS last_sign_in, used.last_id AS last_request_id,
       used.success_at AS last_success, used.success_id AS last_success_request_id,
       CASE WHEN used.k IS NULL THEN 'unused' WHEN inventory.k IS NULL THEN 'notInInventory' END AS finding
FROM inventory FULL OUTER JOIN used ON inventory.k = used.k
ORDER BY COALESCE(inventory.key_id, used.key_id), COALESCE(inventory.origin, '')
