// Which files each commit touched (files no longer in the repo are left out).
UNWIND $rows AS row
MATCH (c:Commit {sha: row.sha})
MATCH (f:File {id: row.fileId})
MERGE (c)-[m:MODIFIED]->(f)
SET m.added = row.added, m.deleted = row.deleted
