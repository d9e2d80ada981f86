// IMPORTS from a file to a declared package.
UNWIND $rows AS row
MATCH (a:File {id: row.src})
MATCH (b:Package {id: row.dst})
CREATE (a)-[:IMPORTS]->(b)
