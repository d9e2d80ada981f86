// File-to-file edges of a project, symbol relationships counted up to their files:
// (src file, dst file, type, number of relationships). Targets outside the project are dropped
// by the caller. Bounded by $limit rows.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
CALL (f) {
  MATCH (f)-[:IMPORTS]->(g:File)
  RETURN g.id AS dst, 'IMPORTS' AS type, count(*) AS weight
  UNION ALL
  MATCH (s:Symbol)-[rel:CALLS|EXTENDS|IMPLEMENTS|TESTS]->(t:Symbol)
  WHERE s.fileId = f.id
  RETURN t.fileId AS dst, type(rel) AS type, count(*) AS weight
}
RETURN f.id AS src, dst, type, weight
LIMIT $limit
