// Every file of a project with the number of symbols it declares: the skeleton the folder and
// community aggregates are counted from. Bounded by $limit.
MATCH (:Project {id: $projectId})-[:HAS_REPO]->(r:Repo)-[:CONTAINS]->(f:File)
RETURN f.id AS id, f.path AS path, f.lang AS lang, f.loc AS loc, f.communityId AS communityId,
       COUNT { (s:Symbol) WHERE s.fileId = f.id } AS symbols
ORDER BY path
LIMIT $limit
