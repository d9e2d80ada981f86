// A page of the neighbours of one node over one relationship type, ordered by a property.
// $type, $direction ('OUT'|'IN'), $targetLabel and $orderBy come from a fixed allow-list
// in app/graph/service.py (RELATIONS), never from user text. The parent is found by element id
// (a constant-time seek) and re-checked by id so a recycled element id cannot leak another node.
// $minConfidence drops edges below it (CALLS guesses); edges without a confidence count as 1.0.
MATCH (n) WHERE elementId(n) = $elementId AND coalesce(n.id, n.sha) = $id
CALL (n) {
  MATCH (n)-[r]->(m) WHERE $direction = 'OUT' AND type(r) = $type AND $targetLabel IN labels(m)
  RETURN m, r
  UNION ALL
  MATCH (n)<-[r]-(m) WHERE $direction = 'IN' AND type(r) = $type AND $targetLabel IN labels(m)
  RETURN m, r
}
WITH m, r WHERE ($pathPrefix IS NULL OR m.path STARTS WITH $pathPrefix)
  AND coalesce(r.confidence, 1.0) >= $minConfidence
WITH m, r ORDER BY m[$orderBy], coalesce(m.id, m.sha)
SKIP $offset LIMIT $limit
RETURN properties(m) AS props, elementId(m) AS elementId, properties(r) AS relProps
