// The newest predictions of a model type in a project, highest probability first.
MATCH (p:Prediction {modelType: $modelType, projectId: $projectId})-[:ABOUT]->(t)
RETURN p.id AS id, t.id AS targetId, coalesce(t.path, t.name) AS target, p.probability AS probability,
       p.confidence AS confidence, p.topFactors AS topFactors, p.features AS features,
       p.createdAt AS createdAt, p.modelVersion AS modelVersion
ORDER BY p.probability DESC
LIMIT $limit
