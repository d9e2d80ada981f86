// Executions as the KV state has them (a batch from the projector). A row older than what the
// node already shows (two workers projecting concurrently) leaves it as it is.
UNWIND $rows AS row
MATCH (w:Workflow {id: row.workflowId})
MERGE (e:WorkflowExecution {id: row.id})
WITH e, w, row
WHERE coalesce(e.revision, 0) <= row.revision
SET e.status = row.status, e.startedAt = row.startedAt, e.completedAt = row.completedAt,
    e.correlationId = row.correlationId, e.workflowId = row.workflowId, e.revision = row.revision
MERGE (e)-[:OF]->(w)
