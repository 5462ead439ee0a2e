-- Users registered by method (SPEC 3.9, Graph usersRegisteredByMethod, all users): per method,
-- how many users have it among their registered methods; with the number of users. No window:
-- the registrations are a snapshot. The stored list is split at the store's list separator
-- ({sep}, U+001F) into its first 32 parts (Graph knows fewer than 32 methods, each listed once).
-- Sorted by users desc, then method.
WITH n AS (
  SELECT i FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15), (16),
                        (17), (18), (19), (20), (21), (22), (23), (24), (25), (26), (27), (28), (29), (30), (31), (32)) AS t(i)
),
registered AS (
  SELECT registrations.id AS id, SPLIT_PART(registrations.methods_registered, '{sep}', n.i) AS method
  FROM registrations CROSS JOIN n
),
total AS (
  SELECT COUNT(*) AS n FROM registrations
)
SELECT registered.method AS method, COUNT(DISTINCT registered.id) AS users, total.n AS total_users
FROM registered CROSS JOIN total
WHERE registered.method <> ''
GROUP BY registered.method, total.n
ORDER BY users DESC, method
