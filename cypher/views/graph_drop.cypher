// Drops a GDS in-memory projection if it exists.
CALL gds.graph.drop($graphName, false) YIELD graphName
RETURN graphName
