// Breadth-first, depth- and size-bounded expansion from start nodes, with each node's distance.
// $startIds: raw ids (already resolved by the caller); $relationshipFilter / $labelFilter are APOC
// filter strings built only from allow-listed enum values; $maxLevel <= 5; $limit <= 5000.
// One more node than $limit is fetched so the caller can tell the result was capped.
// $minConfidence: a node is kept only when every edge of its path has at least that confidence
// (edges without one, such as IMPORTS of packages, count as 1.0); 0.0 keeps everything.
// $withProps false: only the properties that name a node, place it and check its project (a
// client that does not ask for metadata is not sent every property).
UNWIND $startIds AS sid
CALL (sid) {
  MATCH (n:Project {id: sid}) RETURN n
  UNION MATCH (n:Repo {id: sid}) RETURN n
  UNION MATCH (n:File {id: sid}) RETURN n
  UNION MATCH (n:Symbol {id: sid}) RETURN n
  UNION MATCH (n:Commit {sha: sid}) RETURN n
  UNION MATCH (n:Person {id: sid}) RETURN n
  UNION MATCH (n:Service {id: sid}) RETURN n
  UNION MATCH (n:Task {id: sid}) RETURN n
  UNION MATCH (n:SpecItem {id: sid}) RETURN n
  UNION MATCH (n:Audit {id: sid}) RETURN n
}
WITH collect(DISTINCT n) AS starts
CALL apoc.path.spanningTree(starts, {
  maxLevel: $maxLevel, relationshipFilter: $relationshipFilter, labelFilter: $labelFilter,
  bfs: true, limit: $limit + 1, filterStartNode: false
}) YIELD path
WITH path WHERE all(r IN relationships(path) WHERE coalesce(r.confidence, 1.0) >= $minConfidence)
WITH collect(path) AS paths
WITH paths[0..$limit] AS kept, size(paths) > $limit AS truncated
WITH truncated, [p IN kept | {node: last(nodes(p)), distance: length(p)}] AS found
WITH truncated, found, [f IN found | f.node] AS members
CALL (members) {
  CALL apoc.algo.cover(members) YIELD rel
  WITH rel WHERE type(rel) IN $edgeTypes AND coalesce(rel.confidence, 1.0) >= $minConfidence
  RETURN collect(rel)[0..$edgeLimit] AS rels
}
RETURN truncated,
  [f IN found | {labels: labels(f.node), distance: f.distance, props: CASE WHEN $withProps
     THEN properties(f.node)
     ELSE {id: f.node.id, sha: f.node.sha, name: f.node.name, qualifiedName: f.node.qualifiedName,
           path: f.node.path, url: f.node.url, message: f.node.message, email: f.node.email,
           title: f.node.title, kind: f.node.kind, lang: f.node.lang, repoId: f.node.repoId,
           fileId: f.node.fileId} END}] AS nodes,
  [r IN rels | {
     fromId: coalesce(startNode(r).id, startNode(r).sha),
     toId: coalesce(endNode(r).id, endNode(r).sha),
     type: type(r), props: CASE WHEN $withProps THEN properties(r) ELSE {} END}] AS edges
