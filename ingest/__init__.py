"""Load, clean, parse and chunk policy documents. Imports nothing else in the project."""
