// Projects a project's import + call graph into GDS (undirected, weighted) for community
// detection: File-IMPORTS->File and Symbol-CALLS->Symbol (weight 1), and each Symbol tied to its
// File (weight 0.5) so that a symbol joins the cluster of the file that declares it. Isolated
// files are projected too, so every file of the project receives a community. Membership is
// checked against the project's few repo ids rather than a list of all its file ids.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(r:Repo)
WITH collect(r.id) AS repoIds
MATCH (f:File) WHERE f.repoId IN repoIds
CALL (f, repoIds) {
  MATCH (f)-[:IMPORTS]->(g:File) WHERE g.repoId IN repoIds
  RETURN f AS source, g AS target, 1.0 AS weight
  UNION ALL
  MATCH (f)-[:DECLARES]->(s:Symbol)
  RETURN s AS source, f AS target, 0.5 AS weight
  UNION ALL
  MATCH (f)-[:DECLARES]->(s:Symbol)-[:CALLS]->(t:Symbol) WHERE t.repoId IN repoIds
  RETURN s AS source, t AS target, 1.0 AS weight
  UNION ALL
  RETURN f AS source, null AS target, 0.0 AS weight
}
WITH gds.graph.project($graphName, source, target,
       {relationshipProperties: {weight: weight}},
       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
