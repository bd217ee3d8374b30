"""Rewind's Python client (standard library only). See clients/python/README.md."""
from .client import Client
from .errors import RewindError, RewindUnavailable
from .types import AsOf, AuditVerification, Batch, HistoryEntry, PointerChange, Served, Status, TrainingSet, Version

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
    "AsOf",
    "TrainingSet",
]
