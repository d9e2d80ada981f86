"""Remediation: actions FOR predictions under a human in the loop, shadow mode, and the knowledge loop."""
