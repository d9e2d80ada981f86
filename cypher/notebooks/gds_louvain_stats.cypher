// How many Louvain communities a projected graph has and how modular the partition is.
CALL gds.louvain.stats($graphName, {concurrency: 1}) YIELD communityCount, modularity
RETURN communityCount, modularity
