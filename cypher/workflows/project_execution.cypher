// An execution of a workflow (created at start, its status updated when it settles).
MATCH (w:Workflow {id: $workflowId})
MERGE (e:WorkflowExecution {id: $id})
SET e.status = $status, e.startedAt = $startedAt, e.completedAt = $completedAt,
    e.correlationId = $correlationId, e.workflowId = $workflowId
MERGE (e)-[:OF]->(w)
