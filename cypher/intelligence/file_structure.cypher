// Static facts of a project's files beside the written-back centralities: size, symbols, the
// number of TESTS edges into its symbols (a test-coverage proxy) and its Louvain community size.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(r:Repo)-[:CONTAINS]->(f:File)
WITH f.riskCommunity AS community, collect(f) AS members
UNWIND members AS f
CALL (f) {
  OPTIONAL MATCH (f)-[:DECLARES]->(s:Symbol)
  WITH f, count(s) AS symbols
  OPTIONAL MATCH (f)-[:DECLARES]->(:Symbol)<-[t:TESTS]-()
  RETURN symbols, count(t) AS testEdges
}
RETURN f.id AS fileId, f.path AS path, coalesce(f.loc, 0) AS loc, coalesce(f.size, 0) AS size,
       symbols, testEdges, coalesce(f.riskPageRank, 0.0) AS pageRank,
       coalesce(f.riskBetweenness, 0.0) AS betweenness, coalesce(f.riskInDegree, 0.0) AS inDegree,
       coalesce(f.riskOutDegree, 0.0) AS outDegree,
       CASE WHEN community IS NULL THEN 1 ELSE size(members) END AS communitySize
