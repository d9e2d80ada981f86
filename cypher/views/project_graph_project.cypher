// Projects a project's import + call graph into GDS (undirected, weighted) for community
// detection: File-IMPORTS->File and Symbol-CALLS->Symbol (weight 1), and each Symbol tied to its
// File (weight 0.5) so that a symbol joins the cluster of the file that declares it. Isolated
// files are projected too, so every file of the project receives a community.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WITH collect(f) AS files
WITH files, [x IN files | x.id] AS fileIds
UNWIND files AS f
CALL (f, fileIds) {
  MATCH (f)-[:IMPORTS]->(g:File) WHERE g.id IN fileIds
  RETURN f AS source, g AS target, 1.0 AS weight
  UNION ALL
  MATCH (s:Symbol) WHERE s.fileId = f.id
  RETURN s AS source, f AS target, 0.5 AS weight
  UNION ALL
  MATCH (s:Symbol)-[:CALLS]->(t:Symbol) WHERE s.fileId = f.id AND t.fileId IN fileIds
  RETURN s AS source, t AS target, 1.0 AS weight
  UNION ALL
  RETURN f AS source, null AS target, 0.0 AS weight
}
WITH gds.graph.project($graphName, source, target,
       {relationshipProperties: {weight: weight}},
       {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graphName, g.nodeCount AS nodeCount, g.relationshipCount AS relationshipCount
