// Functions nothing calls, that are neither tests, exported nor dunder/entry-point-like names.
MATCH (s:Function {repoId: $repoId})
WHERE NOT s:Test AND NOT coalesce(s.exported, false) AND NOT s.name STARTS WITH '_'
  AND NOT s.name STARTS WITH 'test' AND s.name <> 'main'
  AND NOT ()-[:CALLS]->(s) AND NOT ()-[:TESTS]->(s)
RETURN s.qualifiedName + ' is never called' AS message, s.path AS path, s.rangeStart AS line
ORDER BY s.path, s.rangeStart LIMIT $limit
