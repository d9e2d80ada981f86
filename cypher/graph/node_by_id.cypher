// One node of any API entity by its id (Commit by sha): one index seek per label, no label scan.
// $id: the raw id. Returns the node, its entity label and element id.
CALL (){
  MATCH (n:Project {id: $id}) RETURN n, 'Project' AS entity
  UNION ALL MATCH (n:Repo {id: $id}) RETURN n, 'Repo' AS entity
  UNION ALL MATCH (n:File {id: $id}) RETURN n, 'File' AS entity
  UNION ALL MATCH (n:Symbol {id: $id}) RETURN n, 'Symbol' AS entity
  UNION ALL MATCH (n:Commit {sha: $id}) RETURN n, 'Commit' AS entity
  UNION ALL MATCH (n:Person {id: $id}) RETURN n, 'Person' AS entity
  UNION ALL MATCH (n:Service {id: $id}) RETURN n, 'Service' AS entity
  UNION ALL MATCH (n:Task {id: $id}) RETURN n, 'Task' AS entity
  UNION ALL MATCH (n:SpecItem {id: $id}) RETURN n, 'SpecItem' AS entity
  UNION ALL MATCH (n:Audit {id: $id}) RETURN n, 'Audit' AS entity
}
RETURN entity, properties(n) AS props, elementId(n) AS elementId
LIMIT 1
