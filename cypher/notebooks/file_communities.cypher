// The written-back GDS features of a project's files: Louvain community (riskCommunity) and the
// centralities over IMPORTS + CALLS, as the last feature refresh computed them.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(:Repo)-[:CONTAINS]->(f:File)
WHERE f.riskFeaturesAt IS NOT NULL
RETURN f.path AS path, f.riskCommunity AS community, f.riskCommunitySize AS communitySize,
       f.riskPageRank AS pageRank, f.riskBetweenness AS betweenness, f.riskInDegree AS inDegree,
       f.riskOutDegree AS outDegree, coalesce(f.loc, 0) AS loc
ORDER BY pageRank DESC
