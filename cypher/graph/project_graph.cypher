// projectGraph in one round trip: the project's repo ids (to check the roots against), the
// breadth-first, depth- and size-bounded expansion from the roots with each node's distance, and
// its edges. No project: no row. $startIds: raw ids; $labels: the node labels a reached node must
// have one of (allow-listed enum values); $bothTypes / $downTypes: relationship types followed both
// ways / from their start node only; $maxLevel <= 4; $limit <= 5000. One more node than $limit is
// kept so the caller can tell it was capped.
// Level by level, each level one pass: the relationships of the previous ring are read once, and
// that pass yields both the next ring (nodes not seen yet, up to the budget) and the edges crossed
// (every allowed edge from a node nearer than $maxLevel to another returned node, kept once the
// members are known). apoc.path.spanningTree found the nodes and a second pass over the inner
// nodes' relationships named the edges: every relationship was read twice (~20 % more server time
// on the 1M-node graph, same answers on 450 sampled neighbourhoods). A level whose depth is beyond
// $maxLevel, or with no budget left, reads nothing (its CALL returns empty lists).
// With $allEdges every edge among the returned nodes instead (apoc.algo.cover: it also reads every
// relationship of the outermost ring). $minConfidence: an edge below it is neither followed nor
// returned (edges without one count as 1.0); 0.0 keeps everything.
// $withProps false: only the properties that name a node (its label), those that check a root's
// project (repoId, at distance 0 only) and, with $fileProps, those the language and path filters
// read. Every property read is a record lookup. Edge ends are named from the members map
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
  RETURN collect(DISTINCT n) AS starts
}
WITH repoIds, starts[0..$limit + 1] AS starts
WITH repoIds, [n IN starts | {node: n, distance: 0}] AS found, [] AS crossed, starts AS frontier,
     apoc.map.fromLists([n IN starts | elementId(n)], [n IN starts | true]) AS seen,
     $limit + 1 - size(starts) AS budget
CALL (frontier, budget) {
  WITH frontier WHERE $maxLevel >= 1 AND budget > 0
  UNWIND frontier AS a
  MATCH (a)-[r]-(b)
  WHERE (type(r) IN $bothTypes OR (type(r) IN $downTypes AND startNode(r) = a))
    AND coalesce(r.confidence, 1.0) >= $minConfidence
    AND any(l IN labels(b) WHERE l IN $labels)
  RETURN collect(DISTINCT r) AS rels1, collect(DISTINCT b) AS reached1
}
WITH repoIds, found, crossed + rels1 AS crossed, seen, budget,
     [b IN reached1 WHERE seen[elementId(b)] IS NULL][0..budget] AS level1
WITH repoIds, found + [n IN level1 | {node: n, distance: 1}] AS found, crossed,
     apoc.map.merge(seen, apoc.map.fromLists([n IN level1 | elementId(n)], [n IN level1 | true])) AS seen,
     budget - size(level1) AS budget, level1 AS frontier
CALL (frontier, budget) {
  WITH frontier WHERE $maxLevel >= 2 AND budget > 0
  UNWIND frontier AS a
  MATCH (a)-[r]-(b)
  WHERE (type(r) IN $bothTypes OR (type(r) IN $downTypes AND startNode(r) = a))
    AND coalesce(r.confidence, 1.0) >= $minConfidence
    AND any(l IN labels(b) WHERE l IN $labels)
  RETURN collect(DISTINCT r) AS rels2, collect(DISTINCT b) AS reached2
}
WITH repoIds, found, crossed + rels2 AS crossed, seen, budget,
     [b IN reached2 WHERE seen[elementId(b)] IS NULL][0..budget] AS level2
WITH repoIds, found + [n IN level2 | {node: n, distance: 2}] AS found, crossed,
     apoc.map.merge(seen, apoc.map.fromLists([n IN level2 | elementId(n)], [n IN level2 | true])) AS seen,
     budget - size(level2) AS budget, level2 AS frontier
CALL (frontier, budget) {
  WITH frontier WHERE $maxLevel >= 3 AND budget > 0
  UNWIND frontier AS a
  MATCH (a)-[r]-(b)
  WHERE (type(r) IN $bothTypes OR (type(r) IN $downTypes AND startNode(r) = a))
    AND coalesce(r.confidence, 1.0) >= $minConfidence
    AND any(l IN labels(b) WHERE l IN $labels)
  RETURN collect(DISTINCT r) AS rels3, collect(DISTINCT b) AS reached3
}
WITH repoIds, found, crossed + rels3 AS crossed, seen, budget,
     [b IN reached3 WHERE seen[elementId(b)] IS NULL][0..budget] AS level3
WITH repoIds, found + [n IN level3 | {node: n, distance: 3}] AS found, crossed,
     apoc.map.merge(seen, apoc.map.fromLists([n IN level3 | elementId(n)], [n IN level3 | true])) AS seen,
     budget - size(level3) AS budget, level3 AS frontier
CALL (frontier, budget) {
  WITH frontier WHERE $maxLevel >= 4 AND budget > 0
  UNWIND frontier AS a
  MATCH (a)-[r]-(b)
  WHERE (type(r) IN $bothTypes OR (type(r) IN $downTypes AND startNode(r) = a))
    AND coalesce(r.confidence, 1.0) >= $minConfidence
    AND any(l IN labels(b) WHERE l IN $labels)
  RETURN collect(DISTINCT r) AS rels4, collect(DISTINCT b) AS reached4
}
WITH repoIds, found, crossed + rels4 AS crossed, seen, budget,
     [b IN reached4 WHERE seen[elementId(b)] IS NULL][0..budget] AS level4
WITH repoIds, found + [n IN level4 | {node: n, distance: 4}] AS found, crossed,
     apoc.map.merge(seen, apoc.map.fromLists([n IN level4 | elementId(n)], [n IN level4 | true])) AS seen,
     budget - size(level4) AS budget, level4 AS frontier
WITH repoIds, size(found) > $limit AS truncated, found[0..$limit] AS found, crossed
WITH repoIds, truncated, found, crossed,
     apoc.map.fromLists([f IN found | elementId(f.node)], [f IN found | coalesce(f.node.id, f.node.sha)]) AS members
WITH repoIds, truncated, found, members,
     [r IN apoc.coll.toSet(crossed)
      WHERE members[elementId(startNode(r))] IS NOT NULL AND members[elementId(endNode(r))] IS NOT NULL][0..$edgeLimit] AS crossed
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
