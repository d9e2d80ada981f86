// Churn features of files as of a moment ($asOf, epoch seconds) from the
// (:Person)-[:AUTHORED]->(:Commit)-[:MODIFIED]->(:File) history, reading only commits strictly
// before it (so a back-test at T sees nothing of T's future): commits, lines added/deleted and
// distinct authors in 30/90/365-day windows, past fix commits, age, days since the last change
// and owner concentration (the top author's share of the file's commits).
UNWIND $fileIds AS fileId
MATCH (f:File {id: fileId})
CALL (f) {
  OPTIONAL MATCH (p:Person)-[:AUTHORED]->(c:Commit)-[m:MODIFIED]->(f)
  WHERE datetime(c.time).epochSeconds < $asOf
  WITH p, c, m, ($asOf - datetime(c.time).epochSeconds) / 86400.0 AS days
  RETURN count(c) AS commits,
         sum(CASE WHEN days <= 30 THEN 1 ELSE 0 END) AS commits30,
         sum(CASE WHEN days <= 90 THEN 1 ELSE 0 END) AS commits90,
         sum(CASE WHEN days <= 365 THEN 1 ELSE 0 END) AS commits365,
         sum(CASE WHEN days <= 30 THEN m.added ELSE 0 END) AS added30,
         sum(CASE WHEN days <= 90 THEN m.added ELSE 0 END) AS added90,
         sum(CASE WHEN days <= 365 THEN m.added ELSE 0 END) AS added365,
         sum(CASE WHEN days <= 30 THEN m.deleted ELSE 0 END) AS deleted30,
         sum(CASE WHEN days <= 90 THEN m.deleted ELSE 0 END) AS deleted90,
         sum(CASE WHEN days <= 365 THEN m.deleted ELSE 0 END) AS deleted365,
         count(DISTINCT CASE WHEN days <= 30 THEN p.id END) AS authors30,
         count(DISTINCT CASE WHEN days <= 90 THEN p.id END) AS authors90,
         count(DISTINCT CASE WHEN days <= 365 THEN p.id END) AS authors365,
         sum(CASE WHEN c.isFix THEN 1 ELSE 0 END) AS fixes,
         sum(CASE WHEN c.isFix AND days <= 365 THEN 1 ELSE 0 END) AS fixes365,
         max(days) AS ageDays, min(days) AS daysSinceChange
}
CALL (f) {
  OPTIONAL MATCH (p:Person)-[:AUTHORED]->(c:Commit)-[:MODIFIED]->(f)
  WHERE datetime(c.time).epochSeconds < $asOf
  WITH p.id AS author, count(c) AS n
  RETURN max(n) AS topAuthorCommits
}
RETURN f.id AS fileId, commits, commits30, commits90, commits365, added30, added90, added365,
       deleted30, deleted90, deleted365, authors30, authors90, authors365, fixes, fixes365,
       coalesce(ageDays, 0.0) AS ageDays, coalesce(daysSinceChange, 3650.0) AS daysSinceChange,
       CASE WHEN commits = 0 THEN 0.0 ELSE toFloat(coalesce(topAuthorCommits, 0)) / commits END
         AS ownerShare
