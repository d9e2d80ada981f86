// Per project: repositories, files, lines, symbols and commits (the ecosystem's size).
MATCH (p:Project)
OPTIONAL MATCH (p)-[:HAS_REPO]->(r:Repo)
WITH p, collect(r) AS repos
CALL (repos) {
  UNWIND repos AS r
  OPTIONAL MATCH (r)-[:CONTAINS]->(f:File)
  RETURN count(f) AS files, sum(coalesce(f.loc, 0)) AS loc,
         sum(COUNT { (f)-[:DECLARES]->(:Symbol) }) AS symbols
}
CALL (repos) {
  UNWIND repos AS r
  OPTIONAL MATCH (r)-[:HAS_COMMIT]->(c:Commit)
  RETURN count(c) AS commits, sum(CASE WHEN c.isFix THEN 1 ELSE 0 END) AS fixCommits
}
RETURN p.id AS projectId, p.name AS project, size(repos) AS repos, files, loc, symbols, commits, fixCommits
ORDER BY files DESC, project
