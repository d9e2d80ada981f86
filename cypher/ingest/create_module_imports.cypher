// IMPORTS from a file to a module outside the repo and its manifests (standard library, ...).
UNWIND $rows AS row
MATCH (a:File {id: row.src})
MATCH (b:ExternalModule {id: row.dst})
CREATE (a)-[:IMPORTS]->(b)
