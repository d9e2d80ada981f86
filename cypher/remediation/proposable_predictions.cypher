// Predictions of a project at or above a probability, highest first: the candidates for an action.
MATCH (p:Prediction {projectId: $projectId})-[:ABOUT]->(t)
WHERE p.probability >= $minProbability
RETURN p.id AS id, p.modelType AS modelType, p.probability AS probability, p.confidence AS confidence,
       p.features AS features, p.topFactors AS topFactors, p.correlationId AS correlationId,
       coalesce(p.horizonHours, p.horizonDays * 24, 24) AS horizonHours, t.id AS targetId,
       coalesce(t.path, t.name) AS targetPath
ORDER BY p.probability DESC
LIMIT $limit
