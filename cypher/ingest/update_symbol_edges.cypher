// Symbol-to-symbol edges still there whose confidence or evidence changed.
UNWIND $rows AS row
MATCH (a:Symbol {id: row.src})-[r]->(b:Symbol {id: row.dst})
WHERE type(r) = row.type
SET r.confidence = row.confidence, r.evidence = row.evidence
