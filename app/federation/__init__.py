"""The federation domain."""
