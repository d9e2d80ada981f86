// Pages of the neighbours of many nodes over one relationship type, ordered by a property: one
// round trip for a whole level of nested GraphQL connections, each parent with its own page.
// $type, $direction ('OUT'|'IN'), $targetLabel and $orderBy come from a fixed allow-list
// in app/graph/service.py (RELATIONS), never from user text. A parent is found by element id
// (a constant-time seek) and re-checked by id so a recycled element id cannot leak another node.
UNWIND $parents AS parent
MATCH (n) WHERE elementId(n) = parent.elementId AND coalesce(n.id, n.sha) = parent.id
CALL (n) {
  CALL (n) {
    MATCH (n)-[r]->(m) WHERE $direction = 'OUT' AND type(r) = $type AND $targetLabel IN labels(m)
    RETURN m, r
    UNION ALL
    MATCH (n)<-[r]-(m) WHERE $direction = 'IN' AND type(r) = $type AND $targetLabel IN labels(m)
    RETURN m, r
  }
  WITH m, r WHERE $pathPrefix IS NULL OR m.path STARTS WITH $pathPrefix
  WITH m, r ORDER BY m[$orderBy], coalesce(m.id, m.sha)
  SKIP $offset LIMIT $limit
  RETURN collect({props: properties(m), elementId: elementId(m), relProps: properties(r)}) AS page
}
RETURN parent.index AS index, page
