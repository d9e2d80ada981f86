// Whether communities were ever computed for a project (then an ingest keeps them current).
MATCH (p:Project {id: $projectId})
RETURN p.communitiesComputedAt IS NOT NULL AS hasCommunities
