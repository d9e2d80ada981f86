// Records on the Project when its communities were last computed and how many there are.
MATCH (p:Project {id: $projectId})
SET p.communitiesComputedAt = datetime(), p.communityCount = $communityCount, p.modularity = $modularity
RETURN p.id AS id
