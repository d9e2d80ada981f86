// Commits with their authors; MERGE keeps a re-read of history idempotent.
MATCH (repo:Repo {id: $repoId})
UNWIND $rows AS row
MERGE (c:Commit {sha: row.sha})
SET c.time = datetime({epochSeconds: row.time}), c.message = row.message, c.isFix = row.isFix,
    c.repoId = $repoId
MERGE (repo)-[:HAS_COMMIT]->(c)
MERGE (p:Person {id: row.personId})
SET p.name = row.author, p.email = row.email
MERGE (p)-[:AUTHORED]->(c)
