// Registered services with their health, latency and sample counts over the last day.
MATCH (s:Service)
OPTIONAL MATCH (s)-[:HAS_SAMPLE]->(h:HealthSample) WHERE h.time > datetime() - duration({days: 1})
RETURN s.name AS service, coalesce(s.health, 'unknown') AS health, s.kind AS kind,
       s.latencyMs AS latencyMs, count(h) AS samples24h,
       sum(CASE WHEN h.ok THEN 0 ELSE 1 END) * 1.0 / CASE count(h) WHEN 0 THEN 1 ELSE count(h) END AS failureRate24h
ORDER BY service
