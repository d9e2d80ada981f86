// A project's actions, newest first, optionally only some statuses; each with its prediction and target.
MATCH (a:RemediationAction {projectId: $projectId})
WHERE $statuses IS NULL OR a.status IN $statuses
WITH a ORDER BY a.createdAt DESC LIMIT $limit
OPTIONAL MATCH (a)-[:FOR]->(p:Prediction)
OPTIONAL MATCH (p)-[:ABOUT]->(t)
RETURN properties(a) AS action, properties(p) AS prediction, t.id AS targetId, coalesce(t.path, t.name) AS targetPath
ORDER BY a.createdAt DESC
