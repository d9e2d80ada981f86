// Complete a pending Audit created by triggerAudit (status, summary, findings).
MATCH (a:Audit {id: $id})
SET a.status = $status, a.summary = $summary, a.completedAt = $now, a.agent = $agent
WITH a
CALL (a) {
  UNWIND $findings AS f
  MERGE (finding:Finding {id: f.id})
  SET finding.rule = f.rule, finding.severity = f.severity, finding.message = f.message,
      finding.line = f.line, finding.path = f.path
  MERGE (a)-[:HAS_FINDING]->(finding)
  WITH finding, f WHERE f.fileId IS NOT NULL
  MATCH (file:File {id: f.fileId})
  MERGE (finding)-[:IN]->(file)
}
RETURN a.id AS id, a.targetId AS targetId
