// Commits and fix commits per ISO week and project over the last $weeks weeks before the newest
// commit of each project (so a project ingested from an old history still shows its activity).
MATCH (p:Project)-[:HAS_REPO]->(:Repo)-[:HAS_COMMIT]->(c:Commit)
WITH p, c, datetime(c.time) AS at
WITH p, collect({at: at, fix: coalesce(c.isFix, false)}) AS commits, max(at) AS newest
UNWIND commits AS c
WITH p, c WHERE c.at > newest - duration({weeks: $weeks})
WITH p.name AS project, date.truncate('week', c.at) AS week, c.fix AS fix
RETURN project, toString(week) AS week, count(*) AS commits, sum(CASE WHEN fix THEN 1 ELSE 0 END) AS fixes
ORDER BY project, week
