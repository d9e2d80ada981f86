// The workflow execution a run_workflow action started, linked the moment it starts. MERGE by id:
// the workflows projector MERGEs the same node from the engine's KV state, whichever writes first.
// resultId names the execution and executionStartedAt (after the approval's updatedAt) marks it
// as the run of the current approval: an action approved again after a failure keeps its earlier
// execution's [:PRODUCED] edge, but settling looks only at the current one.
MATCH (a:RemediationAction {id: $id})
MERGE (e:WorkflowExecution {id: $resultId})
MERGE (a)-[:PRODUCED]->(e)
SET a.resultId = $resultId, a.executionStartedAt = datetime($now)
