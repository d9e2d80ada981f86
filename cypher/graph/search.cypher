// Full-text search over one or more scopes, ranked by Lucene score across them.
// $scopes: [{scope, index}] with index names from an allow-list; $query is an escaped Lucene
// query built by app/graph/service.py. $projectIds: null for a caller who sees every project,
// else the raw ids of its projects: a hit outside them is dropped here, before the ranking is
// paged (so pages stay full and nothing of another project shows, not even in a count). A
// Symbol or File belongs to its Repo's project, a SpecItem to its projectId, a Task to its
// SpecItem's; a Service or a Task without a SpecItem belongs to no project and is hidden from a
// limited caller. Each index returns at most $window hits ($offset + $limit + 1 unfiltered).
UNWIND $scopes AS s
CALL (s) {
  CALL db.index.fulltext.queryNodes(s.index, $query, {limit: $window})
  YIELD node, score
  WITH node, score
  WHERE $projectIds IS NULL OR any(p IN CASE
      WHEN node:SpecItem THEN [node.projectId]
      WHEN node:Task THEN COLLECT { MATCH (item:SpecItem)-[:HAS_TASK]->(node) RETURN item.projectId }
      WHEN node.repoId IS NOT NULL THEN COLLECT { MATCH (r:Repo {id: node.repoId}) RETURN r.projectId }
      ELSE [] END WHERE p IN $projectIds)
  RETURN node, score
  ORDER BY score DESC
  LIMIT $offset + $limit + 1
}
WITH s.scope AS scope, node, score
ORDER BY score DESC, coalesce(node.id, node.sha)
SKIP $offset LIMIT $limit + 1
RETURN scope, score, properties(node) AS props, labels(node) AS labels
