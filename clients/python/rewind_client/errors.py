"""Errors carry the API's own `{ error: { code, message, field? } }`."""
from typing import Any, Dict, Optional


class RewindError(Exception):
    """The API refused or failed a request: `status`, and the body's `code`, `message`, `field`."""

    def __init__(self, status: int, code: str, message: str, field: Optional[str] = None, body: Optional[Dict[str, Any]] = None):
        super().__init__(f"{status} {code}: {message}" + (f" ({field})" if field else ""))
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.body = body or {}


class RewindUnavailable(RewindError):
    """503 after every retry (the store kept throttling), or Rewind could not be reached."""
