// A recorded step result: (:WorkflowExecution)-[:RAN]->(:WorkflowStep), and the Audit it produced.
MATCH (s:WorkflowStep {id: $stepNodeId})
MERGE (e:WorkflowExecution {id: $executionId})
ON CREATE SET e.status = 'running', e.workflowId = $workflowId
MERGE (e)-[r:RAN]->(s)
SET r.status = $status, r.attempts = $attempts, r.startedAt = $startedAt, r.endedAt = $endedAt
WITH e
OPTIONAL MATCH (a:Audit {id: $auditId})
FOREACH (_ IN CASE WHEN a IS NULL THEN [] ELSE [1] END | MERGE (e)-[:PRODUCED]->(a))
