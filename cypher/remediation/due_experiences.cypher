// Experiences whose delay has passed and that have no outcome yet.
MATCH (e:Experience)
WHERE e.judgeAt <= datetime($now) AND e.outcome IS NULL
RETURN e.id AS id, e.modelType AS modelType, e.targetId AS targetId, e.decision AS decision,
       e.decidedAt.epochSeconds AS decidedAt
LIMIT $limit
