// Deletes an emptied (back-test) project and its repositories, and the external-module nodes
// nothing imports any more. Packages and commits are shared across projects and stay.
MATCH (p:Project {id: $projectId})
OPTIONAL MATCH (p)-[:HAS_REPO]->(r:Repo)
DETACH DELETE r, p
WITH count(*) AS done
OPTIONAL MATCH (m:ExternalModule) WHERE NOT (m)<-[:IMPORTS]-()
DETACH DELETE m
RETURN done
