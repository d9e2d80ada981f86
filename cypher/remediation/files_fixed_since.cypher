// Per file: did a fix commit touch it after a moment (epoch seconds)? The outcome of a file's action.
UNWIND $rows AS row
MATCH (f:File {id: row.targetId})
OPTIONAL MATCH (c:Commit)-[:MODIFIED]->(f)
WHERE c.isFix AND datetime(c.time).epochSeconds > row.since
RETURN row.targetId AS targetId, count(c) > 0 AS happened
