UNWIND $rows AS row
MERGE (m:ExternalModule {id: row.id})
SET m.name = row.name
