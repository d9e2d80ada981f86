// Register (or update) a Service; its id is a hash of its name, so registering twice is safe.
MERGE (s:Service {id: $id})
ON CREATE SET s.createdAt = $now
SET s.name = $name, s.type = $type, s.endpoint = $endpoint, s.healthUrl = $healthUrl,
    s.updatedAt = $now
RETURN properties(s) AS props, elementId(s) AS elementId
