// Move an action to a new status only from the statuses allowed ($from): a compare-and-set, so two
// people approving at once execute it once. Returns nothing when the action was not in $from, or,
// with $expectResultId, when the action no longer points at that result (a settled run closes only
// the approval that started it, never a later re-approval's).
MATCH (a:RemediationAction {id: $id})
WHERE a.status IN $from AND ($expectResultId IS NULL OR a.resultId = $expectResultId)
SET a.status = $to, a.updatedAt = datetime($now),
    a.reason = coalesce($reason, a.reason), a.decidedBy = coalesce($decidedBy, a.decidedBy),
    a.resultId = coalesce($resultId, a.resultId), a.error = $error
RETURN a.id AS id
