"""Embedding models and the Chroma index. Imports only ingest's data types."""
