// The judged outcomes: `outcome` = the fix / recovery happened; `success` = the action ran and it did.
UNWIND $rows AS row
MATCH (e:Experience {id: row.id})
SET e.outcome = row.outcome, e.success = row.success, e.judgedAt = datetime($now)
