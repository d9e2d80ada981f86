// Keys for `hub token list` (never the hash); sessions only when asked for.
MATCH (k:ApiKey)
WHERE $withSessions OR k.kind = 'key'
RETURN k {.id, .name, .kind, .prefix, .scopes, .projects, .createdAt, .revokedAt, .lastUsedAt,
          .expiresAt} AS props
ORDER BY k.createdAt
