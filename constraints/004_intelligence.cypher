// Predictive intelligence (issue 15): trained models, predictions by model type and project.
CREATE CONSTRAINT model_training_id IF NOT EXISTS FOR (n:ModelTraining) REQUIRE n.id IS UNIQUE;
CREATE INDEX model_training_type IF NOT EXISTS FOR (n:ModelTraining) ON (n.modelType, n.scope);
CREATE INDEX prediction_model_project IF NOT EXISTS FOR (n:Prediction) ON (n.modelType, n.projectId);
