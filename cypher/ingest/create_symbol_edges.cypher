// Symbol-to-symbol edges (CALLS, EXTENDS, IMPLEMENTS, TESTS, HAS_MEMBER) with their confidence and
// evidence (how the target was found: scope, import, self, annotation, constructor, ..., guess).
UNWIND $rows AS row
MATCH (a:Symbol {id: row.src})
MATCH (b:Symbol {id: row.dst})
CREATE (a)-[r:$(row.type)]->(b)
SET r.confidence = row.confidence, r.evidence = row.evidence
