// Register (or re-state) a Service: its id is a hash of its name, so registering twice is safe, and
// a registration states the whole service (what it leaves out is cleared). The worker probes every
// Service with a healthUrl (`health/due_services`).
MERGE (s:Service {id: $id})
ON CREATE SET s.createdAt = $now
SET s.name = $name, s.type = $type, s.endpoint = $endpoint, s.healthUrl = $healthUrl,
    s.kind = $kind, s.healthIntervalS = $intervalS, s.health = coalesce(s.health, 'unknown'),
    s.updatedAt = $now
RETURN properties(s) AS props, elementId(s) AS elementId
