// Centralities of the projected file graph, written back onto each File in one pass:
// riskPageRank, riskBetweenness, riskInDegree (files depending on it), riskOutDegree (files it
// depends on) and riskCommunity (Louvain). Single-threaded: the hub shares its cores.
CALL gds.pageRank.mutate($graphName, {mutateProperty: 'riskPageRank', concurrency: 1})
YIELD nodePropertiesWritten AS pageRanks
CALL gds.betweenness.mutate($graphName, {mutateProperty: 'riskBetweenness', concurrency: 1})
YIELD nodePropertiesWritten AS betweenness
CALL gds.degree.mutate($graphName, {mutateProperty: 'riskOutDegree', orientation: 'NATURAL', concurrency: 1})
YIELD nodePropertiesWritten AS outDegrees
CALL gds.degree.mutate($graphName, {mutateProperty: 'riskInDegree', orientation: 'REVERSE', concurrency: 1})
YIELD nodePropertiesWritten AS inDegrees
CALL gds.louvain.mutate($graphName, {mutateProperty: 'riskCommunity', concurrency: 1})
YIELD communityCount
CALL gds.graph.nodeProperties.write($graphName,
       ['riskPageRank', 'riskBetweenness', 'riskOutDegree', 'riskInDegree', 'riskCommunity'],
       ['*'], {concurrency: 1})
YIELD propertiesWritten
RETURN communityCount, propertiesWritten
