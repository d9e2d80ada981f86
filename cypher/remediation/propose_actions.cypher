// Record proposed actions FOR their predictions. The id is a hash of (prediction, action, window),
// so re-running predictions in the same window finds the action already there: `created` is true
// only for the rows this call ($runId) created.
UNWIND $rows AS row
MATCH (p:Prediction {id: row.predictionId})
MERGE (a:RemediationAction {id: row.id})
ON CREATE SET a.action = row.action, a.status = 'proposed', a.reason = row.reason, a.shadow = row.shadow,
              a.wouldExecute = row.wouldExecute, a.projectId = row.projectId, a.predictionId = row.predictionId,
              a.correlationId = row.correlationId, a.window = row.window, a.recommended = row.recommended,
              a.createdAt = datetime($now), a.updatedAt = datetime($now), a.runId = $runId
MERGE (a)-[:FOR]->(p)
RETURN a.id AS id, a.runId = $runId AS created
