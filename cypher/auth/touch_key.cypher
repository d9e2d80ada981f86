// lastUsedAt, written at most once per verification cache period (not on every request).
MATCH (k:ApiKey {id: $id})
SET k.lastUsedAt = $now
