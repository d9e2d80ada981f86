"""CommandCenter Hub: code, services, work and governance as one graph in Neo4j."""

__version__ = "0.1.0"
