"""The parsing pipeline: a repository on disk becomes the code graph in Neo4j."""
