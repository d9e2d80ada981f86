// A new Task, optionally under a SpecItem (the caller has checked the SpecItem exists).
CREATE (t:Task {
  id: $id, title: $title, description: $description, status: $status,
  assignee: $assignee, labels: $labels, createdAt: $now, updatedAt: $now
})
WITH t
OPTIONAL MATCH (s:SpecItem {id: $specItemId})
FOREACH (_ IN CASE WHEN s IS NULL THEN [] ELSE [1] END | MERGE (s)-[:HAS_TASK]->(t))
RETURN properties(t) AS props, elementId(t) AS elementId
