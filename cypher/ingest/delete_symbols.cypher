// Symbols gone from a changed file, by id (with their edges); the file's other symbols stay.
UNWIND $ids AS id
MATCH (s:Symbol {id: id})
DETACH DELETE s
