// Every agent, credentials left out (only whether there are some).
MATCH (a:Agent)
RETURN a.id AS id, a.name AS name, a.type AS type, coalesce(a.capabilities, []) AS capabilities,
       a.endpoint AS endpoint, coalesce(a.active, true) AS active, coalesce(a.builtin, false) AS builtin,
       a.description AS description, a.credentialsEnc IS NOT NULL AS hasCredentials
ORDER BY a.name
