// The first repository of a project, by project name or id.
MATCH (p:Project)-[:HAS_REPO]->(r:Repo) WHERE p.name = $project OR p.id = $project
RETURN r.id AS repoId, r.path AS repoPath, p.id AS projectId, p.name AS projectName
ORDER BY r.path LIMIT 1
