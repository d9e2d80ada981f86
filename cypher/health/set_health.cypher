UNWIND $rows AS row
MATCH (s:Service {id: row.id})
SET s.healthChangedAt = CASE WHEN s.health = row.health THEN s.healthChangedAt ELSE datetime() END,
    s.health = row.health
