// Record the applied schema version; touches nothing when it is already recorded.
MERGE (v:SchemaVersion {id: 'schema'})
WITH v, (v.version IS NULL OR v.version <> $version OR v.checksum <> $checksum) AS changed
FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END |
  SET v.version = $version, v.checksum = $checksum, v.appliedAt = datetime())
RETURN changed
