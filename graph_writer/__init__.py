"""Kafka consumer service that writes security events into the Neo4j graph."""
