// Stream sequences of one correlation's events, oldest first (event_correlation index).
MATCH (e:Event)
WHERE e.correlationId = $correlationId
  AND e.seq > $after AND e.seq <= $upTo
  AND ($since IS NULL OR e.time >= $since)
  AND ($until IS NULL OR e.time <= $until)
RETURN e.seq AS seq
ORDER BY seq
LIMIT $limit
