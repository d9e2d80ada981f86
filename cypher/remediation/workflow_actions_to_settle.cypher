// Approved run_workflow actions ready to settle, in one read: those whose current execution (the
// one linked since the approval) the workflows projector shows settled, and those approved before
// $cutoff whatever their execution shows (they did not settle in time). A failed execution waits
// until a failed step's result is projected too (the projector follows the executions and the
// step results apart), so the message can name the step; until then it is left to a later tick.
MATCH (a:RemediationAction {status: 'approved', action: 'run_workflow'})
OPTIONAL MATCH (a)-[:PRODUCED]->(e:WorkflowExecution {id: a.resultId})
WHERE a.executionStartedAt >= a.updatedAt
WITH a, e,
     coalesce(e.status IN ['succeeded', 'cancelled']
              OR (e.status = 'failed' AND EXISTS { (e)-[r:RAN]->() WHERE r.status = 'failed' }), false) AS settled
WHERE settled OR a.updatedAt < datetime($cutoff)
WITH a, e, settled
ORDER BY a.updatedAt
LIMIT $limit
OPTIONAL MATCH (e)-[:OF]->(w:Workflow)
RETURN a.id AS id, e.id AS executionId,
       CASE WHEN settled THEN e.status END AS executionStatus, w.name AS workflow,
       [(e)-[r:RAN]->(s:WorkflowStep) WHERE r.error IS NOT NULL | {step: s.stepId, status: r.status, error: r.error}]
         AS errors
