// PageRank of each file in a projected file graph: the files everything leans on.
CALL gds.pageRank.stream($graphName, {concurrency: 1}) YIELD nodeId, score
RETURN gds.util.asNode(nodeId).path AS path, score AS pageRank
