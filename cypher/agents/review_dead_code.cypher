// Functions nothing calls and no test exercises, that the code does not export (a Python name
// starting with '_', a JS/TS function without `export`): nothing outside can be calling them.
// Dunders, tests and `main` are entry points, not dead code.
MATCH (s:Function {repoId: $repoId})
WHERE NOT s:Test AND NOT coalesce(s.exported, false)
  AND NOT (s.name STARTS WITH '__' AND s.name ENDS WITH '__')
  AND NOT s.name STARTS WITH 'test' AND s.name <> 'main'
  AND NOT ()-[:CALLS]->(s) AND NOT ()-[:TESTS]->(s)
RETURN s.qualifiedName + ' is never called' AS message, s.path AS path, s.rangeStart AS line
ORDER BY s.path, s.rangeStart LIMIT $limit
