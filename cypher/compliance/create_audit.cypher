// A pending Audit about one target node.
MATCH (target) WHERE elementId(target) = $targetElementId
CREATE (a:Audit {id: $id, kind: $kind, status: 'pending', createdAt: $now, targetId: $targetId})
CREATE (a)-[:ABOUT]->(target)
RETURN properties(a) AS props, elementId(a) AS elementId
