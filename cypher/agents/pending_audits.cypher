// Audits still waiting for an agent (triggerAudit's requests made while no worker listened).
MATCH (a:Audit {status: 'pending'})
RETURN a.id AS id, a.kind AS kind, a.targetId AS targetId
ORDER BY a.createdAt LIMIT $limit
