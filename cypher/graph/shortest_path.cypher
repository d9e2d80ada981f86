// The shortest path (by hop count) between two nodes, found breadth-first up to $maxLevel hops.
// expandConfig with terminatorNodes and limit 1 stops at the first path that reaches $toId.
// $relationshipFilter / $labelFilter are built only from allow-listed enum values.
MATCH (a) WHERE elementId(a) = $fromElementId
MATCH (b) WHERE elementId(b) = $toElementId
CALL apoc.path.expandConfig(a, {
  terminatorNodes: [b], maxLevel: $maxLevel, bfs: true, uniqueness: 'NODE_GLOBAL', limit: 1,
  relationshipFilter: $relationshipFilter, labelFilter: $labelFilter
}) YIELD path
RETURN
  [n IN nodes(path) | {props: properties(n), labels: labels(n)}] AS nodes,
  [r IN relationships(path) | {
     fromId: coalesce(startNode(r).id, startNode(r).sha),
     toId: coalesce(endNode(r).id, endNode(r).sha),
     type: type(r), props: properties(r)}] AS edges
