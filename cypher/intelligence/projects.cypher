// Every project with at least one repo (the periodic prediction run goes over them).
MATCH (p:Project)-[:HAS_REPO]->(:Repo)
RETURN DISTINCT p.id AS id, p.name AS name
