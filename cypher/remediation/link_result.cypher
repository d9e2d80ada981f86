// What an executed action produced (a Task or an Audit), when it is a node of the graph.
MATCH (a:RemediationAction {id: $id})
MATCH (r {id: $resultId}) WHERE r:Task OR r:Audit
MERGE (a)-[:PRODUCED]->(r)
