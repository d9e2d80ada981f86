// The risk feature vector of each file, written back as `risk*` properties (one map per file).
UNWIND $rows AS row
MATCH (f:File {id: row.fileId})
SET f += row.props, f.riskFeaturesAt = datetime({epochSeconds: $asOf})
