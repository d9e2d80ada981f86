// Full-text search over one or more scopes, ranked by Lucene score across them.
// $scopes: [{scope, index}] with index names from an allow-list; $query is an escaped Lucene
// query built by app/graph/service.py. Each index returns at most $offset + $limit + 1 hits.
UNWIND $scopes AS s
CALL (s) {
  CALL db.index.fulltext.queryNodes(s.index, $query, {limit: $offset + $limit + 1})
  YIELD node, score
  RETURN node, score
}
WITH s.scope AS scope, node, score
ORDER BY score DESC, coalesce(node.id, node.sha)
SKIP $offset LIMIT $limit + 1
RETURN scope, score, properties(node) AS props, labels(node) AS labels
