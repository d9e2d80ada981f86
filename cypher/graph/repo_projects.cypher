// The projects holding a Repo ingested from this folder: a push may only name those.
MATCH (p:Project)-[:HAS_REPO]->(r:Repo {path: $path})
RETURN p.name AS project
ORDER BY project
