"""OCSF JSON to graph events, driven by the official schema."""
