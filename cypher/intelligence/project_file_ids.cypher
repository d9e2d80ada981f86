// The ids and paths of a project's files.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
RETURN f.id AS fileId, f.path AS path
