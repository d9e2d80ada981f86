// The repository (working tree path, id) and project an audit target belongs to.
MATCH (t {id: $targetId}) WHERE t:File OR t:Symbol OR t:Project OR t:Repo
OPTIONAL MATCH (p1:Project)-[:HAS_REPO]->(r1:Repo) WHERE t:Project AND p1 = t
OPTIONAL MATCH (r2:Repo) WHERE t:Repo AND r2 = t
OPTIONAL MATCH (r3:Repo {id: t.repoId})
WITH t, coalesce(r2, r3, r1) AS repo
OPTIONAL MATCH (p:Project)-[:HAS_REPO]->(repo)
RETURN repo.id AS repoId, repo.path AS repoPath, p.id AS projectId, p.name AS projectName,
       labels(t) AS labels, t.path AS path
LIMIT 1
