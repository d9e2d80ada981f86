// Symbols with many callers and no test (no TESTS edge): a change there is risky.
MATCH (s:Symbol {repoId: $repoId}) WHERE (s:Function OR s:Method) AND NOT s:Test AND NOT ()-[:TESTS]->(s)
WITH s, COUNT { (:Symbol)-[:CALLS]->(s) } AS callers
WHERE callers >= $minCallers
RETURN s.qualifiedName + ' has ' + toString(callers) + ' callers and no tests' AS message,
       s.path AS path, s.rangeStart AS line
ORDER BY callers DESC LIMIT $limit
