// Predictions and remediation actions of a project in time order (newest first; the caller reverses).
CALL {
  MATCH (p:Prediction {projectId: $projectId})-[:ABOUT]->(t)
  RETURN 'prediction' AS kind, p.createdAt AS at, p.id AS predictionId, null AS actionId, null AS action,
         null AS status, coalesce(t.path, t.name) AS targetPath, p.probability AS probability,
         null AS reason, p.modelType AS modelType
  ORDER BY p.createdAt DESC LIMIT $limit
  UNION ALL
  MATCH (a:RemediationAction {projectId: $projectId})
  OPTIONAL MATCH (a)-[:FOR]->(p:Prediction)-[:ABOUT]->(t)
  RETURN 'remediation' AS kind, a.updatedAt AS at, p.id AS predictionId, a.id AS actionId, a.action AS action,
         a.status AS status, coalesce(t.path, t.name) AS targetPath, p.probability AS probability,
         a.reason AS reason, p.modelType AS modelType
  ORDER BY a.updatedAt DESC LIMIT $limit
}
RETURN kind, at, predictionId, actionId, action, status, targetPath, probability, reason, modelType
ORDER BY at DESC
LIMIT $limit
