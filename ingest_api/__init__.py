"""HTTP ingest service: validates security events and makes them durable."""
