// Store probe results as HealthSample nodes; return each service's newest $window samples.
UNWIND $rows AS row
MATCH (s:Service {id: row.serviceId})
CREATE (s)-[:HAS_SAMPLE]->(h:HealthSample {id: row.id, time: datetime(row.time), ok: row.ok,
        statusCode: row.statusCode, latencyMs: row.latencyMs, error: row.error})
SET s.lastCheckedAt = h.time, s.latencyMs = row.latencyMs
WITH DISTINCT s
CALL {
  WITH s
  MATCH (s)-[:HAS_SAMPLE]->(x:HealthSample)
  RETURN x ORDER BY x.time DESC LIMIT $window
}
WITH s, collect({ok: x.ok, latencyMs: x.latencyMs}) AS recent
RETURN s.id AS id, s.name AS name, coalesce(s.health, 'unknown') AS previous, recent
