// A new API key or browser session. Only the salted scrypt hash of the secret is stored.
CREATE (k:ApiKey {
  id: $id, name: $name, kind: $kind, prefix: $prefix, hash: $hash, salt: $salt, params: $params,
  scopes: $scopes, projects: $projects, createdAt: $now, expiresAt: $expiresAt
})
RETURN properties(k) AS props
