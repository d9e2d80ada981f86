MATCH (h:Hub)
WHERE $includeOffline OR h.status = 'online'
RETURN h.id AS id, h.name AS name, h.version AS version, h.status AS status,
       toString(h.lastSeen) AS lastSeen, coalesce(h.projects, []) AS projects,
       coalesce(h.services, 0) AS services
ORDER BY id
LIMIT $limit
