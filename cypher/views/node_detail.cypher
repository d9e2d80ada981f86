// One node for the detail panel: its labels and properties, and a bounded sample of its incoming
// and outgoing relationships with the other end's name (and, for calls, how they were resolved).
CALL () {
  MATCH (n:Symbol {id: $id}) RETURN n
  UNION MATCH (n:File {id: $id}) RETURN n
  UNION MATCH (n:Project {id: $id}) RETURN n
  UNION MATCH (n:Repo {id: $id}) RETURN n
  UNION MATCH (n:Package {id: $id}) RETURN n
  UNION MATCH (n:ExternalModule {id: $id}) RETURN n
  UNION MATCH (n:Service {id: $id}) RETURN n
  UNION MATCH (n:Task {id: $id}) RETURN n
}
CALL (n) {
  MATCH (n)-[rel]->(m)
  RETURN collect({type: type(rel), id: coalesce(m.id, m.sha),
                  label: coalesce(m.qualifiedName, m.path, m.name, m.title, m.message, m.sha, m.id),
                  entity: labels(m)[0], fileId: m.fileId,
                  confidence: rel.confidence, evidence: rel.evidence})[..$limit] AS outgoing, count(rel) AS outgoingCount
}
CALL (n) {
  MATCH (m)-[rel]->(n)
  RETURN collect({type: type(rel), id: coalesce(m.id, m.sha),
                  label: coalesce(m.qualifiedName, m.path, m.name, m.title, m.message, m.sha, m.id),
                  entity: labels(m)[0], fileId: m.fileId,
                  confidence: rel.confidence, evidence: rel.evidence})[..$limit] AS incoming, count(rel) AS incomingCount
}
OPTIONAL MATCH (file:File {id: n.fileId})
RETURN labels(n) AS labels, properties(n) AS properties, file.path AS filePath,
       outgoing, outgoingCount, incoming, incomingCount
LIMIT 1
