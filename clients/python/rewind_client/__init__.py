"""Rewind's Python client (standard library only). See clients/python/README.md."""
from .client import Client
from .errors import RewindError, RewindUnavailable
from .types import AuditVerification, Batch, HistoryEntry, PointerChange, Served, Status, Version

__all__ = [
    "Client",
    "RewindError",
    "RewindUnavailable",
    "Served",
    "Batch",
    "Status",
    "HistoryEntry",
    "PointerChange",
    "Version",
    "AuditVerification",
]
