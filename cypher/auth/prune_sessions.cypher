// Browser sessions past their expiry are deleted (keys are kept, revoked or not).
MATCH (k:ApiKey {kind: 'session'})
WHERE k.expiresAt < $now
DETACH DELETE k
RETURN count(*) AS removed
