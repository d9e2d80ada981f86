// The findings of the Audits some workflow steps produced, with the File each one is in (when the
// agent's path matched an ingested file) and that file's project, so VISLZR can open the file's
// node in the project view. Bounded by $limit; most severe first, then by place.
UNWIND $auditIds AS auditId
MATCH (a:Audit {id: auditId})-[:HAS_FINDING]->(f:Finding)
OPTIONAL MATCH (f)-[:IN]->(file:File)
OPTIONAL MATCH (p:Project)-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(file)
WITH a, f, file, head(collect(p.id)) AS projectId
RETURN a.id AS auditId, f.id AS id, f.rule AS rule, f.severity AS severity, f.message AS message,
       f.line AS line, f.path AS path, file.id AS fileId, projectId
ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END,
         f.path, f.line
LIMIT $limit
