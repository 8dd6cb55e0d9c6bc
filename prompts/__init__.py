"""Prompt templates kept as files."""
