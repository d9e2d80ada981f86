// Audits by kind and status, with their findings by severity.
MATCH (a:Audit)
OPTIONAL MATCH (a)-[:HAS_FINDING]->(f:Finding)
RETURN coalesce(a.kind, 'unknown') AS kind, coalesce(a.status, 'unknown') AS status,
       count(DISTINCT a) AS audits, count(f) AS findings,
       count(CASE WHEN f.severity IN ['high', 'critical'] THEN 1 END) AS highFindings
ORDER BY kind, status
