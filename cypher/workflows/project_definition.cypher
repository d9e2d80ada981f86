// A workflow definition in the graph: (:Workflow)-[:HAS_STEP]->(:WorkflowStep)-[:RUNS]->(:Agent),
// step dependencies as (:WorkflowStep)-[:NEEDS]->(:WorkflowStep). Steps no longer declared are
// detached from the workflow (executions that ran them keep their RAN edges).
MERGE (w:Workflow {id: $id})
SET w.name = $name, w.description = $description, w.trigger = $trigger, w.definition = $definition,
    w.updatedAt = $now
WITH w
OPTIONAL MATCH (w)-[old:HAS_STEP]->(s:WorkflowStep) WHERE NOT s.id IN [x IN $steps | x.id]
DELETE old
WITH DISTINCT w
UNWIND $steps AS row
MERGE (s:WorkflowStep {id: row.id})
SET s.stepId = row.stepId, s.agent = row.agent, s.needs = row.needs, s.onFail = row.onFail,
    s.condition = row.condition, s.workflowId = $id
MERGE (w)-[:HAS_STEP]->(s)
WITH s, row
OPTIONAL MATCH (s)-[stale:NEEDS|RUNS]->()
DELETE stale
WITH DISTINCT s, row
OPTIONAL MATCH (a:Agent {id: row.agentId})
FOREACH (_ IN CASE WHEN a IS NULL THEN [] ELSE [1] END | MERGE (s)-[:RUNS]->(a))
WITH DISTINCT s, row
UNWIND row.needIds AS needId
MERGE (d:WorkflowStep {id: needId})
MERGE (s)-[:NEEDS]->(d)
