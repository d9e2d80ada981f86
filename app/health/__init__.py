"""Health of the hub's own dependencies (and, later, of registered services)."""
