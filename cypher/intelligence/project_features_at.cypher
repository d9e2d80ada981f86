// When the project's risk features were last computed (epoch seconds of the oldest file's
// riskFeaturesAt; null when never): the prediction cron refreshes them only when stale.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WHERE f.riskFeaturesAt IS NOT NULL
RETURN min(f.riskFeaturesAt).epochSeconds AS featuresAt
