// IMPORTS from a file to another file of the repo.
UNWIND $rows AS row
MATCH (a:File {id: row.src})
MATCH (b:File {id: row.dst})
CREATE (a)-[:IMPORTS]->(b)
