// A project's skeleton in one read: every file (ordered by path, bounded by $limit) with the number
// of symbols it declares and its outgoing file-to-file edges, symbol relationships counted up to
// their files, as [target file's position in this result, type code, count, confidence] (one entry
// per confidence: calls are counted apart by how sure their resolution is; the other relationships
// have none and count as 1.0). Positions instead
// of 32-character ids keep the result small: the driver decodes ~60k edges of a 50k-symbol
// project in a fraction of the time. Type codes: 0 IMPORTS, 1 CALLS, 2 EXTENDS, 3 IMPLEMENTS,
// 4 TESTS. Targets outside the project are dropped here.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WITH f ORDER BY f.path LIMIT $limit
WITH collect(f) AS files
WITH files, apoc.map.fromLists([x IN files | x.id], range(0, size(files) - 1)) AS at
UNWIND range(0, size(files) - 1) AS i
WITH files[i] AS f, i, at
OPTIONAL CALL (f, at) {
  MATCH (f)-[:IMPORTS]->(g:File)
  WITH at[g.id] AS dst, count(*) AS weight WHERE dst IS NOT NULL
  RETURN [dst, 0, weight, 1.0] AS edge
  UNION ALL
  MATCH (s:Symbol)-[rel:CALLS|EXTENDS|IMPLEMENTS|TESTS]->(t:Symbol)
  WHERE s.fileId = f.id
  WITH at[t.fileId] AS dst, type(rel) AS type, coalesce(rel.confidence, 1.0) AS confidence, count(*) AS weight
  WHERE dst IS NOT NULL
  RETURN [dst, CASE type WHEN 'CALLS' THEN 1 WHEN 'EXTENDS' THEN 2 WHEN 'IMPLEMENTS' THEN 3 ELSE 4 END, weight,
          confidence] AS edge
}
WITH f, i, collect(edge) AS out
RETURN i, f.id AS id, f.path AS path, f.lang AS lang, f.loc AS loc, f.communityId AS communityId,
       COUNT { (s:Symbol) WHERE s.fileId = f.id } AS symbols, out
