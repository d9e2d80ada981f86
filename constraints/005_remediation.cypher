// Remediation and the knowledge loop (issue 15): actions FOR predictions, experiences of their outcomes.
CREATE CONSTRAINT remediation_action_id IF NOT EXISTS FOR (n:RemediationAction) REQUIRE n.id IS UNIQUE;
CREATE INDEX remediation_action_project IF NOT EXISTS FOR (n:RemediationAction) ON (n.projectId, n.status);
CREATE INDEX remediation_action_status IF NOT EXISTS FOR (n:RemediationAction) ON (n.status);
CREATE CONSTRAINT experience_id IF NOT EXISTS FOR (n:Experience) REQUIRE n.id IS UNIQUE;
CREATE INDEX experience_model_type IF NOT EXISTS FOR (n:Experience) ON (n.modelType);
CREATE INDEX experience_judge_at IF NOT EXISTS FOR (n:Experience) ON (n.judgeAt);
