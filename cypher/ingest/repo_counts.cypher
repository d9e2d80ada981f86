// Totals for a repo, for the ingest summary.
MATCH (r:Repo {id: $repoId})
CALL (r) {
  MATCH (r)-[:CONTAINS]->(f:File) RETURN count(f) AS files
}
CALL (r) {
  MATCH (s:Symbol {repoId: r.id}) RETURN count(s) AS symbols
}
CALL (r) {
  MATCH (r)-[:CONTAINS]->(:File)-[i:IMPORTS]->() RETURN 'IMPORTS' AS type, count(i) AS n
  UNION ALL
  MATCH (s:Symbol {repoId: r.id})-[e:CALLS|EXTENDS|IMPLEMENTS|TESTS|HAS_MEMBER]->()
  RETURN type(e) AS type, count(e) AS n
}
RETURN files, symbols, collect({type: type, n: n}) AS edges
