// Per service: is its newest health sample after a moment (epoch seconds) a success? The outcome of
// a service's action (the service recovered, or stayed up).
UNWIND $rows AS row
MATCH (s:Service {id: row.targetId})
OPTIONAL MATCH (s)-[:HAS_SAMPLE]->(h:HealthSample)
WHERE h.time.epochSeconds > row.since
WITH row, h ORDER BY h.time DESC
WITH row, collect(h)[0] AS newest
RETURN row.targetId AS targetId, coalesce(newest.ok, false) AS happened
