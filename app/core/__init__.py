"""What every domain shares: errors, the Neo4j driver, the named-Cypher catalogue."""
