// What this hub announces: its projects (bounded) and services by health. One row even with no
// project or service (each CALL aggregates without a grouping key).
CALL { MATCH (p:Project) RETURN collect(p.name)[..$maxProjects] AS projects, count(p) AS projectCount }
CALL {
  MATCH (s:Service)
  WITH coalesce(s.health, 'unknown') AS health, count(s) AS n
  RETURN collect({health: health, count: n}) AS services
}
RETURN projects, projectCount, services
