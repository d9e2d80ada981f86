// Retention: keep each service's newest $keep samples.
UNWIND $ids AS sid
MATCH (s:Service {id: sid})-[:HAS_SAMPLE]->(h:HealthSample)
WITH s, h ORDER BY h.time DESC
WITH s, collect(h)[$keep..] AS old
FOREACH (h IN old | DETACH DELETE h)
RETURN sum(size(old)) AS pruned
