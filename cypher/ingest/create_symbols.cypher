// Symbols of rewritten files, labelled :Symbol plus their kind (and :Test); the labels come
// from the pipeline's fixed allow-list, passed as parameters.
UNWIND $rows AS row
MATCH (f:File {id: row.fileId})
CREATE (f)-[:DECLARES]->(s:$(row.labels))
SET s = row.props
