// Symbol-to-symbol edges (CALLS, EXTENDS, IMPLEMENTS, TESTS, HAS_MEMBER) with their confidence.
UNWIND $rows AS row
MATCH (a:Symbol {id: row.src})
MATCH (b:Symbol {id: row.dst})
CREATE (a)-[r:$(row.type)]->(b)
SET r.confidence = row.confidence
