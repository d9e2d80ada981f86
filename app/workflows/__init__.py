"""Workflows: YAML-declared DAGs of agent steps, run durably on NATS JetStream."""
