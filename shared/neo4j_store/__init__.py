"""The Neo4j side: repository, write plan, error classification, rejection isolation."""
