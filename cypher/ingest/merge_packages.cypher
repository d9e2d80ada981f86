// Declared packages, and the repo's dependency on them.
MATCH (repo:Repo {id: $repoId})
UNWIND $rows AS row
MERGE (p:Package {id: row.id})
SET p.ecosystem = row.ecosystem, p.name = row.name
MERGE (repo)-[d:DEPENDS_ON]->(p)
SET d.version = row.version, d.manifest = row.manifest
