// The written-back risk features of a project's files (what a prediction run scores), as values
// in the order of $keys (the `risk*` property names of the feature set).
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WHERE f.riskFeaturesAt IS NOT NULL
RETURN f.id AS fileId, f.path AS path, [k IN $keys | f[k]] AS values
