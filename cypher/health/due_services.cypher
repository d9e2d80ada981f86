// Services with a health URL whose probe interval has passed (or that were never probed).
MATCH (s:Service)
WHERE s.healthUrl IS NOT NULL
  AND (NOT $onlyDue OR s.lastCheckedAt IS NULL
       OR s.lastCheckedAt + duration({milliseconds: toInteger(coalesce(s.healthIntervalS, $defaultIntervalS) * 1000)}) <= datetime())
RETURN s.id AS id, s.name AS name, s.healthUrl AS healthUrl, coalesce(s.kind, 'http') AS kind
ORDER BY id
LIMIT $limit
