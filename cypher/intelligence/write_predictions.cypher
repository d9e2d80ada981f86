// One Prediction per File and model type (the label keeps the id lookup on its index), replaced on each run (the newest is what counts;
// history is in the ModelTraining and event log). Ids are stable per (model type, target).
UNWIND $rows AS row
MATCH (t:File {id: row.targetId})
MERGE (p:Prediction {id: row.id})
SET p.modelType = $modelType, p.modelVersion = $version, p.probability = row.probability,
    p.confidence = row.confidence, p.features = row.features, p.topFactors = row.topFactors,
    p.createdAt = datetime({epochSeconds: $createdAt}), p.projectId = $projectId,
    p.correlationId = row.correlationId, p.horizonDays = $horizonDays
MERGE (p)-[:ABOUT]->(t)
