// IMPORTS edges that vanished, by (source file id, target id): a file, package or module.
UNWIND $rows AS row
MATCH (a:File {id: row.src})-[r:IMPORTS]->(b)
WHERE b.id = row.dst
DELETE r
