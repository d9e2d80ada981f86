// projectGraph in one round trip: the project's repo ids (to check the roots against), the
// breadth-first, depth- and size-bounded expansion from the roots with each node's distance, and
// its edges. No project: no row. $startIds: raw ids; $relationshipFilter / $labelFilter: APOC
// filter strings built only from allow-listed enum values, and $bothTypes / $downTypes the same
// relationship types (followed both ways / from their start node only); $maxLevel <= 4;
// $limit <= 5000. One more node than $limit is fetched so the caller can tell it was capped.
// Edges: those the expansion crossed, i.e. every allowed edge from a node nearer than $maxLevel to
// another returned node (one pass over the inner nodes' relationships, members looked up in a
// map by element id). With $allEdges every edge among the returned nodes instead
// (apoc.algo.cover: it also reads every relationship of the outermost ring, the larger part).
// $minConfidence: a node is kept only when every edge of its path has at least that confidence
// (edges without one count as 1.0), and so is an edge; 0.0 keeps everything.
// $withProps false: only the properties that name a node (its label), those that check a root's
// project (repoId, at distance 0 only) and, with $fileProps, those the language and path filters
// read. Every property read is a record lookup: reading all thirteen candidate keys of every node
// was a third of the query's time on the 1M-node graph. Edge ends are named from the members map
// (element id -> id), not by reading both ends' properties again.
MATCH (p:Project {id: $projectId})
OPTIONAL MATCH (p)-[:HAS_REPO]->(repo:Repo)
WITH collect(repo.id) AS repoIds
CALL () {
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
  RETURN collect(path) AS paths
}
WITH repoIds, paths[0..$limit] AS kept, size(paths) > $limit AS truncated
WITH repoIds, truncated, [p IN kept | {node: last(nodes(p)), distance: length(p)}] AS found
WITH repoIds, truncated, found,
     apoc.map.fromLists([f IN found | elementId(f.node)], [f IN found | coalesce(f.node.id, f.node.sha)]) AS members
CALL (found, members) {
  WITH found, members WHERE NOT $allEdges
  UNWIND found AS f
  WITH f.node AS a, members WHERE f.distance < $maxLevel
  MATCH (a)-[r]-(b)
  WHERE members[elementId(b)] IS NOT NULL AND (type(r) IN $bothTypes OR (type(r) IN $downTypes AND startNode(r) = a))
    AND coalesce(r.confidence, 1.0) >= $minConfidence
  RETURN collect(DISTINCT r)[0..$edgeLimit] AS crossed
}
CALL (found) {
  WITH found WHERE $allEdges
  CALL apoc.algo.cover([f IN found | f.node]) YIELD rel
  WITH rel WHERE type(rel) IN $edgeTypes AND coalesce(rel.confidence, 1.0) >= $minConfidence
  RETURN collect(rel)[0..$edgeLimit] AS among
}
RETURN repoIds, truncated,
  [f IN found | {labels: labels(f.node), distance: f.distance, props: CASE WHEN $withProps
     THEN properties(f.node)
     ELSE CASE
       WHEN f.node:File THEN {id: f.node.id, path: f.node.path,
         lang: CASE WHEN $fileProps THEN f.node.lang END,
         repoId: CASE WHEN f.distance = 0 THEN f.node.repoId END}
       WHEN f.node:Symbol THEN {id: f.node.id, qualifiedName: coalesce(f.node.qualifiedName, f.node.name),
         fileId: CASE WHEN $fileProps THEN f.node.fileId END,
         repoId: CASE WHEN f.distance = 0 THEN f.node.repoId END}
       WHEN f.node:Commit THEN {sha: f.node.sha, message: f.node.message,
         repoId: CASE WHEN f.distance = 0 THEN f.node.repoId END}
       WHEN f.node:Repo THEN {id: f.node.id, url: f.node.url, path: f.node.path}
       WHEN f.node:Person THEN {id: f.node.id, name: f.node.name, email: f.node.email}
       WHEN f.node:Project OR f.node:Service THEN {id: f.node.id, name: f.node.name}
       WHEN f.node:Task OR f.node:SpecItem THEN {id: f.node.id, title: f.node.title}
       ELSE {id: f.node.id, kind: f.node.kind} END END}] AS nodes,
  [r IN CASE WHEN $allEdges THEN among ELSE crossed END | {
     fromId: members[elementId(startNode(r))],
     toId: members[elementId(endNode(r))],
     type: type(r), props: CASE WHEN $withProps THEN properties(r) ELSE {} END}] AS edges
