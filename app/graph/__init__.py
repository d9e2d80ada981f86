"""The graph domain."""
