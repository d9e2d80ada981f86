// Approvals left unanswered since before $cutoff and not yet escalated: marked escalated and
// returned in the same write, so each is escalated once however many workers run the cron.
MATCH (a:RemediationAction {status: 'pending_approval'})
WHERE a.escalatedAt IS NULL AND a.updatedAt < datetime($cutoff)
WITH a LIMIT $limit
SET a.escalatedAt = datetime($now)
RETURN a.id AS id, a.projectId AS projectId, a.correlationId AS correlationId, a.action AS action,
       a.predictionId AS predictionId, toString(a.updatedAt) AS waitingSince
