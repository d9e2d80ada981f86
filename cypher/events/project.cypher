// The (:Event) projection of the JetStream log: ids, subjects, times and stream sequences only.
UNWIND $rows AS row
MERGE (e:Event {id: row.id})
SET e.subject = row.subject,
    e.type = row.type,
    e.time = datetime(row.time),
    e.correlationId = row.correlationId,
    e.causationId = row.causationId,
    e.hubId = row.hubId,
    e.seq = row.seq
