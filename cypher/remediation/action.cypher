// One action with its prediction and target.
MATCH (a:RemediationAction {id: $id})
OPTIONAL MATCH (a)-[:FOR]->(p:Prediction)
OPTIONAL MATCH (p)-[:ABOUT]->(t)
RETURN properties(a) AS action, properties(p) AS prediction, t.id AS targetId, coalesce(t.path, t.name) AS targetPath
