// The newest commit time (epoch seconds) of a project's repositories: the end of its history.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(r:Repo)-[:HAS_COMMIT]->(c:Commit)
RETURN max(datetime(c.time)).epochSeconds AS end
