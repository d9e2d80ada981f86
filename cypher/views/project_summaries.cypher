// VISLZR home: every project with its size, languages and last ingest.
MATCH (p:Project)
OPTIONAL MATCH (p)-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WITH p, count(f) AS files, collect(DISTINCT f.lang) AS languages, max(f.lastIndexedAt) AS lastIngest,
     sum(COUNT { (s:Symbol) WHERE s.fileId = f.id }) AS symbols
RETURN p.id AS id, coalesce(p.name, p.id) AS name, files, symbols, languages,
       toString(lastIngest) AS lastIngest, p.communitiesComputedAt IS NOT NULL AS hasCommunities
ORDER BY name
LIMIT $limit
