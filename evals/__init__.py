"""Question sets, evaluation runner and metrics."""
