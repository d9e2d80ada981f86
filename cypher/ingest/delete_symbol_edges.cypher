// Symbol-to-symbol edges that vanished, by (type, source id, target id).
UNWIND $rows AS row
MATCH (a:Symbol {id: row.src})-[r]->(b:Symbol {id: row.dst})
WHERE type(r) = row.type
DELETE r
