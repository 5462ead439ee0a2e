-- Users registered by feature (SPEC 3.9, Graph usersRegisteredByFeature, all users): how many
-- users have each capability flag set. No window: the registrations are a snapshot.
SELECT COUNT(*) AS total_users,
       SUM(CASE WHEN is_sspr_registered THEN 1 ELSE 0 END) AS sspr_registered,
       SUM(CASE WHEN is_sspr_enabled THEN 1 ELSE 0 END) AS sspr_enabled,
       SUM(CASE WHEN is_sspr_capable THEN 1 ELSE 0 END) AS sspr_capable,
       SUM(CASE WHEN is_passwordless_capable THEN 1 ELSE 0 END) AS passwordless_capable,
       SUM(CASE WHEN is_mfa_capable THEN 1 ELSE 0 END) AS mfa_capable
FROM registrations
