"""Code both services share: settings, event models, mapping, Neo4j repository, Kafka codec."""
