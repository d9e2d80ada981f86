// A page of projects ordered by name; $offset/$limit come from the connection cursor.
MATCH (p:Project)
WITH p ORDER BY p.name, p.id
SKIP $offset LIMIT $limit
RETURN properties(p) AS props, elementId(p) AS elementId
