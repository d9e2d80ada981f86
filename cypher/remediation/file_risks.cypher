// The newest defect risk of every predicted file of a project, with its size: the heat map's data.
MATCH (p:Prediction {modelType: 'file_defect_risk', projectId: $projectId})-[:ABOUT]->(f:File)
RETURN f.id AS fileId, f.path AS path, coalesce(f.loc, 0) AS lines, p.probability AS probability,
       p.confidence AS confidence, p.topFactors AS topFactors
ORDER BY p.probability DESC
LIMIT $limit
