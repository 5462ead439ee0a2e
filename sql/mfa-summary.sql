-- Sign-ins by authentication requirement (SPEC 3.9, Graph userMfaSignInSummary): successful
-- interactive user sign-ins per UTC day, single- versus multi-factor. Days without sign-ins are
-- not rows here (the native report lists every day of the window, with zeros).
SELECT CAST(created AS DATE) AS day,
       COUNT(*) AS total,
       SUM(CASE WHEN authentication_requirement = 'singleFactorAuthentication' THEN 1 ELSE 0 END) AS single_factor,
       SUM(CASE WHEN authentication_requirement = 'multiFactorAuthentication' THEN 1 ELSE 0 END) AS multi_factor
FROM signins
WHERE event_type = 'interactiveUser' AND error_code = 0 AND created >= TIMESTAMP '{start}' AND created < TIMESTAMP '{end}'
    AND date >= CAST(TIMESTAMP '{start}' AS DATE) AND date <= CAST(TIMESTAMP '{end}' AS DATE)
GROUP BY CAST(created AS DATE)
ORDER BY day
