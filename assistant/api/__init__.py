"""The HTTP API over the answer chain and the document library."""

from assistant.api.app import create_app, create_lazy_app

__all__ = ["create_app", "create_lazy_app"]
