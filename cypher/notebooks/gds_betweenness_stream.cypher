// Betweenness of each file in a projected file graph: the files on many dependency paths.
CALL gds.betweenness.stream($graphName, {concurrency: 1}) YIELD nodeId, score
RETURN gds.util.asNode(nodeId).path AS path, score AS betweenness
