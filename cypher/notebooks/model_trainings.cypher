// Every trained version of a model for a scope, oldest first, with its stored metrics (JSON).
MATCH (m:ModelTraining {modelType: $modelType, scope: $scope})
RETURN m.version AS version, m.kind AS kind, m.trainedAt AS trainedAt, m.datasetSize AS datasetSize,
       m.metrics AS metrics, m.featureSet AS featureSet
ORDER BY m.version
