// Projects with predictions of a model type, the most predicted first (the notebooks' default project).
MATCH (p:Prediction {modelType: $modelType})
WITH p.projectId AS projectId, count(p) AS predictions
OPTIONAL MATCH (project:Project {id: projectId})
RETURN projectId, project.name AS name, predictions
ORDER BY predictions DESC, name
