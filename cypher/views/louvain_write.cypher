// Louvain over the projected graph; writes `communityId` on every projected File and Symbol.
CALL gds.louvain.write($graphName, {writeProperty: 'communityId', relationshipWeightProperty: 'weight',
                                    concurrency: 1})
YIELD communityCount, modularity, nodePropertiesWritten
RETURN communityCount, modularity, nodePropertiesWritten
