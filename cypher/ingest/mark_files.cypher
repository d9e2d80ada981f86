// The last write of an ingest: a file's hashes say its subgraph is complete and current.
UNWIND $rows AS row
MATCH (f:File {id: row.id})
SET f.hash = row.hash, f.edgesHash = row.edgesHash
