// A new secret for a live key: same id, scopes and projects; the old secret stops working.
MATCH (k:ApiKey {id: $id})
WHERE k.revokedAt IS NULL
SET k.hash = $hash, k.salt = $salt, k.params = $params, k.prefix = $prefix, k.rotatedAt = $now
RETURN properties(k) AS props
