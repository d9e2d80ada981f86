// The feature vector of the prediction an action is FOR (the context of its experience).
MATCH (a:RemediationAction {id: $id})-[:FOR]->(p:Prediction)
RETURN p.features AS features
