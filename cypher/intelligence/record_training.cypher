// One ModelTraining per trained model version; the artefact is named by its hash.
CREATE (m:ModelTraining {id: $id, modelType: $modelType, version: $version, scope: $scope,
                         trainedAt: datetime({epochSeconds: $trainedAt}), metrics: $metrics,
                         featureSet: $featureSet, datasetSize: $datasetSize, kind: $kind,
                         artefact: $artefact, artefactSha256: $sha256})
RETURN m.id AS id
