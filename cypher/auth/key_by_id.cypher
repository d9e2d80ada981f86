// The one indexed read of a verification: the key named by the token's non-secret id.
MATCH (k:ApiKey {id: $id})
RETURN properties(k) AS props
