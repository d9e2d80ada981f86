// Per-file churn aggregates, the raw material of risk features (bugspots and friends).
UNWIND $fileIds AS fileId
MATCH (f:File {id: fileId})
OPTIONAL MATCH (c:Commit)-[m:MODIFIED]->(f)
WITH f, count(c) AS commits, sum(m.added) AS added, sum(m.deleted) AS deleted,
     sum(CASE WHEN c.isFix THEN 1 ELSE 0 END) AS fixes, max(c.time) AS last
SET f.commitCount = commits, f.churnAdded = added, f.churnDeleted = deleted, f.fixCount = fixes,
    f.lastModifiedAt = last
