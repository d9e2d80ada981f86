"""Compliance: audits requested of agents (and, later, checks, policies and attestations)."""
