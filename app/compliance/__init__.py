"""The compliance domain."""
