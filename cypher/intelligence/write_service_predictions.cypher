// One service_failure_risk Prediction per Service (id stable per service), replaced on each run;
// listed under the 'services' scope (a Service belongs to no one project).
UNWIND $rows AS row
MATCH (s:Service {id: row.targetId})
MERGE (p:Prediction {id: row.id})
SET p.modelType = 'service_failure_risk', p.modelVersion = $version, p.modelKind = $kind,
    p.probability = row.probability, p.confidence = row.confidence, p.features = row.features,
    p.topFactors = row.topFactors, p.createdAt = datetime({epochSeconds: $createdAt}),
    p.projectId = $scope, p.correlationId = row.correlationId, p.horizonHours = 1
MERGE (p)-[:ABOUT]->(s)
