// Revocation keeps the node (an audit trail of who held which key) and stamps revokedAt once.
MATCH (k:ApiKey {id: $id})
SET k.revokedAt = coalesce(k.revokedAt, $now)
RETURN properties(k) AS props
