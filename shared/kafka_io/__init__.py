"""The Kafka side: record codec, topics, client security."""
