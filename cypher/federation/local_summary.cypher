// What this hub announces: its projects (bounded) and services by health.
CALL { MATCH (p:Project) RETURN collect(p.name)[..$maxProjects] AS projects, count(p) AS projectCount }
CALL { MATCH (s:Service) RETURN coalesce(s.health, 'unknown') AS health, count(s) AS n }
RETURN projects, projectCount, collect({health: health, count: n}) AS services
