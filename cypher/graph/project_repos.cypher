// A project and the ids of its repos, in one round trip: projectGraph checks its rootIds against them.
MATCH (p:Project {id: $id})
OPTIONAL MATCH (p)-[:HAS_REPO]->(r:Repo)
RETURN properties(p) AS props, elementId(p) AS elementId, collect(r.id) AS repoIds
