// Register (or update) a service whose health the worker probes.
MERGE (s:Service {id: $id})
SET s.name = $name, s.healthUrl = $healthUrl, s.kind = $kind, s.healthIntervalS = $intervalS,
    s.health = coalesce(s.health, 'unknown'), s.type = coalesce(s.type, $kind), s.endpoint = $healthUrl
RETURN s.id AS id
