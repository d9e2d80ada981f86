// Recent executions of a workflow (history), from the projection.
MATCH (e:WorkflowExecution)-[:OF]->(w:Workflow {name: $name})
RETURN e.id AS id, e.status AS status, e.startedAt AS startedAt, e.completedAt AS completedAt
ORDER BY e.startedAt DESC LIMIT $limit
