"""The intelligence domain: risk features, defect and failure models, predictions, back-tests."""
