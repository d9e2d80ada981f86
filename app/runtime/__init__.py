"""The local runtime: Neo4j (+GDS, APOC, Browser), nats-server with JetStream and redis-server,
installed and supervised under ``HUB_HOME`` on a machine without a Docker engine."""
