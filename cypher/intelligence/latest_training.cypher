// The newest trained model of a type for a scope (a project id, or 'services').
MATCH (m:ModelTraining {modelType: $modelType, scope: $scope})
RETURN m.id AS id, m.version AS version, m.artefact AS artefact, m.artefactSha256 AS sha256,
       m.kind AS kind, m.metrics AS metrics, m.trainedAt AS trainedAt, m.datasetSize AS datasetSize
ORDER BY m.version DESC
LIMIT 1
