// Every prediction of a model type in a project with the file it is about: what was scored
// (features and top factors as the JSON the prediction run stored) and the file's size.
MATCH (p:Prediction {modelType: $modelType, projectId: $projectId})-[:ABOUT]->(f:File)
RETURN f.id AS fileId, f.path AS path, f.lang AS lang, coalesce(f.loc, 0) AS loc,
       p.probability AS probability, p.confidence AS confidence, p.modelVersion AS modelVersion,
       p.createdAt AS createdAt, p.features AS features, p.topFactors AS topFactors
ORDER BY p.probability DESC
