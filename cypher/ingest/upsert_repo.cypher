// The project and repository an ingest writes into.
MERGE (p:Project {id: $projectId})
  ON CREATE SET p.createdAt = datetime()
SET p.name = $projectName, p.hubId = $hubId
MERGE (r:Repo {id: $repoId})
SET r.url = $url, r.path = $path, r.projectId = $projectId, r.defaultBranch = $defaultBranch,
    r.head = $head
MERGE (p)-[:HAS_REPO]->(r)
