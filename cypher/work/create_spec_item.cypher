// A new SpecItem; projectId is kept as a property (the caller has checked the Project exists).
CREATE (s:SpecItem {
  id: $id, title: $title, description: $description, projectId: $projectId, status: 'open',
  createdAt: $now, updatedAt: $now
})
RETURN properties(s) AS props, elementId(s) AS elementId
