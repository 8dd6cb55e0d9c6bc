"""Retrieval chain, HTTP API and chat page."""
