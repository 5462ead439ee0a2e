-- Authentication prompts (SPEC 6.5), by method: interactive user sign-ins in the window but the
-- directory synchronization account's (its display name). A prompt is a step of
-- authenticationDetails whose method is not empty and not "Previously satisfied"; it succeeded
-- when its step says so. Per method: prompts, succeeded and not, the sign-ins with a prompt of it,
-- prompts per such sign-in in hundredths (rounded half away from zero), distinct users (the UPN
-- lower-cased, else the user id) and the last of those sign-ins. Sorted by prompts descending,
-- then method.
--
-- The stored list (`auth_steps`) holds the steps separated by {rs}, each as method and success
-- (`1`, `0` or nothing) separated by {sep}; it is unnested as `ca-policies.sql` unnests the
-- policies, over the positions 1..64.
WITH w AS (
  SELECT id, created, CAST(auth_steps AS STRING) AS list,
         COALESCE(NULLIF(LOWER(TRIM(user_principal_name)), ''), NULLIF(LOWER(TRIM(user_id)), '')) AS usr
  FROM signins
  WHERE event_type = 'interactiveUser' AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
    AND auth_steps IS NOT NULL
    AND (user_display_name IS NULL
         OR LOWER(TRIM(user_display_name)) <> 'on-premises directory synchronization service account')
),
lists AS (
  SELECT DISTINCT list FROM w
),
positions AS (
  SELECT k FROM (VALUES
    (1),
    (2),
    (3),
    (4),
    (5),
    (6),
    (7),
    (8),
    (9),
    (10),
    (11),
    (12),
    (13),
    (14),
    (15),
    (16),
    (17),
    (18),
    (19),
    (20),
    (21),
    (22),
    (23),
    (24),
    (25),
    (26),
    (27),
    (28),
    (29),
    (30),
    (31),
    (32),
    (33),
    (34),
    (35),
    (36),
    (37),
    (38),
    (39),
    (40),
    (41),
    (42),
    (43),
    (44),
    (45),
    (46),
    (47),
    (48),
    (49),
    (50),
    (51),
    (52),
    (53),
    (54),
    (55),
    (56),
    (57),
    (58),
    (59),
    (60),
    (61),
    (62),
    (63),
    (64)
  ) AS t(k)
),
steps AS (
  SELECT lists.list AS list, SPLIT_PART(lists.list, '{rs}', positions.k) AS step
  FROM lists CROSS JOIN positions
  WHERE positions.k <= LENGTH(lists.list) - LENGTH(REPLACE(lists.list, '{rs}', '')) + 1
),
prompts AS (
  SELECT list, TRIM(SPLIT_PART(step, '{sep}', 1)) AS method, SPLIT_PART(step, '{sep}', 2) AS ok
  FROM steps
  WHERE TRIM(SPLIT_PART(step, '{sep}', 1)) <> ''
    AND LOWER(TRIM(SPLIT_PART(step, '{sep}', 1))) <> 'previously satisfied'
),
per_list AS (
  SELECT list, method, COUNT(*) AS prompts, SUM(CASE WHEN ok = '1' THEN 1 ELSE 0 END) AS ok
  FROM prompts GROUP BY list, method
),
counts AS (
  SELECT per_list.method AS method, SUM(per_list.prompts) AS prompts, SUM(per_list.ok) AS success,
         COUNT(*) AS sign_ins, COUNT(DISTINCT w.usr) AS users, MAX(w.created) AS last_at
  FROM w JOIN per_list ON w.list = per_list.list
  GROUP BY per_list.method
)
SELECT method AS authentication_method, prompts, success, prompts - success AS failure, sign_ins,
       FLOOR((prompts * 20000.0 + sign_ins * 100) / (2.0 * sign_ins * 100)) AS prompts_per_sign_in_hundredths,
       users, last_at AS last_sign_in
FROM counts
ORDER BY prompts DESC, method
