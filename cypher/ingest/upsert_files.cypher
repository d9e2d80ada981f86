// File nodes (their hash is set last, by mark_files, as the commit marker of the file).
MATCH (repo:Repo {id: $repoId})
UNWIND $rows AS row
MERGE (f:File {id: row.id})
SET f.path = row.path, f.lang = row.lang, f.size = row.size, f.loc = row.loc,
    f.parseErrors = row.parseErrors, f.repoId = $repoId, f.lastIndexedAt = datetime()
MERGE (repo)-[:CONTAINS]->(f)
