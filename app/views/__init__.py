"""VISLZR's aggregated views of a project's code graph (folders, communities, files, symbols)."""
