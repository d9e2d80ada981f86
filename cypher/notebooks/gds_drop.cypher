// Drops a projected GDS graph if it exists (a notebook re-run starts clean).
CALL gds.graph.drop($graphName, false) YIELD graphName
RETURN graphName
