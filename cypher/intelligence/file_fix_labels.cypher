// Training labels: how many fix commits touched each file in ($from, $to] (epoch seconds).
UNWIND $fileIds AS fileId
MATCH (f:File {id: fileId})
OPTIONAL MATCH (c:Commit)-[:MODIFIED]->(f)
WHERE c.isFix AND datetime(c.time).epochSeconds > $from AND datetime(c.time).epochSeconds <= $to
RETURN f.id AS fileId, count(c) AS fixes
