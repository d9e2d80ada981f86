// Every registered Service with its HealthSamples since $since (epoch seconds), oldest first.
MATCH (s:Service)
OPTIONAL MATCH (s)-[:HAS_SAMPLE]->(h:HealthSample)
WHERE h.time >= datetime({epochSeconds: $since})
WITH s, h ORDER BY h.time
RETURN s.id AS serviceId, s.name AS name,
       collect(CASE WHEN h IS NULL THEN null ELSE [h.time.epochMillis / 1000.0, h.ok, h.latencyMs] END) AS samples
