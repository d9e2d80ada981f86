// The workflow execution a run_workflow action started. MERGE by id: the workflows projector
// MERGEs the same node from the engine's KV state, whichever of the two writes first.
MATCH (a:RemediationAction {id: $id})
MERGE (e:WorkflowExecution {id: $resultId})
MERGE (a)-[:PRODUCED]->(e)
