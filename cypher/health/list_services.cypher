MATCH (s:Service)
RETURN s.id AS id, s.name AS name, s.healthUrl AS healthUrl, coalesce(s.kind, 'http') AS kind,
       coalesce(s.health, 'unknown') AS health, s.latencyMs AS latencyMs,
       toString(s.lastCheckedAt) AS lastCheckedAt, toString(s.healthChangedAt) AS healthChangedAt
ORDER BY name
LIMIT $limit
