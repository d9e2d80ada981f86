// An agent's verdict as an (:Audit) about its target (a File, Symbol or Project by id), with its
// findings; findings on a file of the target's repo are also linked to that File.
// Idempotent on the audit id: a re-recorded result writes the same nodes.
MATCH (target {id: $targetId}) WHERE target:File OR target:Symbol OR target:Project OR target:Repo
MERGE (a:Audit {id: $id})
SET a.kind = $kind, a.status = $status, a.summary = $summary, a.createdAt = coalesce(a.createdAt, $now),
    a.completedAt = $now, a.targetId = $targetId, a.agent = $agent
MERGE (a)-[:ABOUT]->(target)
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
RETURN a.id AS id
