// An executed or rejected action becomes an Experience of the knowledge loop (once per action):
// its context (the prediction's feature vector), the action, the decision, and when to judge it.
MATCH (a:RemediationAction {id: $actionId})
MERGE (e:Experience {id: $id})
ON CREATE SET e.actionId = $actionId, e.modelType = $modelType, e.action = $action, e.features = $features,
              e.decision = $decision, e.recommended = $recommended, e.targetId = $targetId,
              e.decidedAt = datetime($now), e.judgeAt = datetime($judgeAt)
MERGE (e)-[:FROM]->(a)
RETURN e.id AS id
