// Import cycles of two or three files in one repository (bounded: fixed-length patterns).
MATCH (a:File {repoId: $repoId})-[:IMPORTS]->(b:File)-[:IMPORTS]->(a)
WHERE a.path < b.path
RETURN 'import cycle: ' + a.path + ' -> ' + b.path + ' -> ' + a.path AS message, a.path AS path, null AS line
UNION
MATCH (a:File {repoId: $repoId})-[:IMPORTS]->(b:File)-[:IMPORTS]->(c:File)-[:IMPORTS]->(a)
WHERE a.path < b.path AND a.path < c.path AND b <> c
RETURN 'import cycle: ' + a.path + ' -> ' + b.path + ' -> ' + c.path + ' -> ' + a.path AS message,
       a.path AS path, null AS line
LIMIT $limit
