// Recorded step results (a batch from the projector): (:WorkflowExecution)-[:RAN]->(:WorkflowStep)
// with the step's status and error (remediation quotes a failed step's), and the Audit each
// produced. Results are written once, so the rows never disagree.
UNWIND $rows AS row
MATCH (s:WorkflowStep {id: row.stepNodeId})
MERGE (e:WorkflowExecution {id: row.executionId})
ON CREATE SET e.status = 'running', e.workflowId = row.workflowId
MERGE (e)-[r:RAN]->(s)
SET r.status = row.status, r.attempts = row.attempts, r.startedAt = row.startedAt, r.endedAt = row.endedAt,
    r.error = row.error
WITH e, row
OPTIONAL MATCH (a:Audit {id: row.auditId})
FOREACH (_ IN CASE WHEN a IS NULL THEN [] ELSE [1] END | MERGE (e)-[:PRODUCED]->(a))
