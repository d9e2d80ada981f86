// Louvain communities of a projected file graph, one row per file.
CALL gds.louvain.stream($graphName, {concurrency: 1}) YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).path AS path, communityId
