// Projects a project's file-level dependency graph into GDS for risk features: File -> File when
// the first IMPORTS the second or one of its symbols CALLS a symbol declared in the second
// (directed, deduplicated, self-loops dropped). Every file of the project is projected, so an
// isolated file still gets its centralities (zero) and a community of one.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(r:Repo)
WITH collect(r.id) AS repoIds
MATCH (f:File) WHERE f.repoId IN repoIds
CALL (f, repoIds) {
  MATCH (f)-[:IMPORTS]->(g:File) WHERE g.repoId IN repoIds AND g <> f
  RETURN DISTINCT g AS target
  UNION
  MATCH (f)-[:DECLARES]->(:Symbol)-[:CALLS]->(:Symbol)<-[:DECLARES]-(g:File)
  WHERE g.repoId IN repoIds AND g <> f
  RETURN DISTINCT g AS target
  UNION
  RETURN null AS target
}
WITH gds.graph.project($graphName, f, target) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
