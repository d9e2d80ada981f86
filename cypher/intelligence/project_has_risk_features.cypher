// Whether risk features were ever computed for a project (an ingest then keeps them current).
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WHERE f.riskFeaturesAt IS NOT NULL
RETURN count(f) > 0 AS hasFeatures
LIMIT 1
