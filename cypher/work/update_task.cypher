// Update the given fields of a Task; a null parameter leaves its field unchanged.
MATCH (t:Task {id: $id})
SET t.status = coalesce($status, t.status),
    t.assignee = CASE WHEN $clearAssignee THEN null ELSE coalesce($assignee, t.assignee) END,
    t.labels = coalesce($labels, t.labels),
    t.updatedAt = $now
RETURN properties(t) AS props, elementId(t) AS elementId
