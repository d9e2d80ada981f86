// Judged experiences of one model type: the neighbours recommendations vote among.
MATCH (e:Experience {modelType: $modelType})
WHERE e.success IS NOT NULL
RETURN e.features AS features, e.action AS action, e.success AS success
ORDER BY e.decidedAt DESC
LIMIT $limit
