"""The intelligence domain."""
