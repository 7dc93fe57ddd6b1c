"""Database sessions whose renewals do not wait for the disk (accounts/sessions/__init__.py)."""

from . import SessionStore

__all__ = ["SessionStore"]
