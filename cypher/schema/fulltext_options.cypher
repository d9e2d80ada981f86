// The options of the named full-text indexes (to tell one created before an option was added).
SHOW INDEXES YIELD name, type, options
WHERE type = 'FULLTEXT' AND name IN $names
RETURN name, options
