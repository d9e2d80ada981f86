// A typed relationship between two existing nodes, created once (idempotent).
// $type is one of IMPLEMENTS | TESTS | DOCUMENTS | DEPENDS_ON, checked against an allow-list.
MATCH (a) WHERE elementId(a) = $fromElementId
MATCH (b) WHERE elementId(b) = $toElementId
CALL apoc.merge.relationship(a, $type, {}, {createdAt: $now, source: 'api'}, b, {}) YIELD rel
RETURN rel.createdAt = $now AS created
