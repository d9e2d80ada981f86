// A cheap fingerprint of a project's code graph: changes whenever an ingest adds, removes or
// re-indexes a file, or communities are recomputed. Used to invalidate the cached skeleton.
MATCH (p:Project {id: $projectId})
OPTIONAL MATCH (p)-[:HAS_REPO]->(r:Repo)-[:CONTAINS]->(f:File)
RETURN count(f) AS files, toString(max(f.lastIndexedAt)) AS lastIndexedAt,
       toString(p.communitiesComputedAt) AS communitiesAt, collect(DISTINCT r.head) AS heads,
       sum(COUNT { (s:Symbol) WHERE s.fileId = f.id }) AS symbols
