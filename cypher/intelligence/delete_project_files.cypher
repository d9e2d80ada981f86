// Deletes up to $limit files of a (back-test) project with their symbols; run until it returns 0.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WITH f LIMIT $limit
OPTIONAL MATCH (f)-[:DECLARES]->(s:Symbol)
DETACH DELETE s, f
RETURN count(DISTINCT f) AS deleted
