// Create or update agents by name (built-in ones at start-up, others by `hub agent register`).
// credentialsEnc is a Fernet token, or null to keep the stored one.
UNWIND $rows AS row
MERGE (a:Agent {id: row.id})
SET a.name = row.name, a.type = row.type, a.capabilities = row.capabilities,
    a.endpoint = row.endpoint, a.active = row.active, a.builtin = row.builtin,
    a.description = row.description, a.updatedAt = $now
SET a.credentialsEnc = coalesce(row.credentialsEnc, a.credentialsEnc)
RETURN count(a) AS written
