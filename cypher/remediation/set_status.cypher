// Move an action to a new status only from the statuses allowed ($from): a compare-and-set, so two
// people approving at once execute it once. Returns nothing when the action was not in $from.
MATCH (a:RemediationAction {id: $id})
WHERE a.status IN $from
SET a.status = $to, a.updatedAt = datetime($now),
    a.reason = coalesce($reason, a.reason), a.decidedBy = coalesce($decidedBy, a.decidedBy),
    a.resultId = coalesce($resultId, a.resultId), a.error = $error
RETURN a.id AS id
