"""Secrets kept out of words: the log filter that redacts them from gazu's and urllib3's
records while a session is open, and the server URL with its credentials masked.

Pure: no gazu, no HTTP.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

__all__ = ["REDACT", "RedactSecrets", "masked"]


def masked(url: str) -> str:
    """``url`` with anything before an ``@`` in its network location replaced by ***."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***@" + url.rpartition("@")[2] if "@" in url else url
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    return f"{scheme}://{netloc}{slash}{path}"


class RedactSecrets(logging.Filter):
    """Replace any registered secret in a log record's message before a handler sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, secrets: Sequence[str]) -> None:
        with self._lock:
            for secret in secrets:
                if secret:
                    self.secrets[secret] = self.secrets.get(secret, 0) + 1

    def discard(self, secrets: Sequence[str]) -> None:
        with self._lock:
            for secret in secrets:
                if secret in self.secrets:
                    self.secrets[secret] -= 1
                    if not self.secrets[secret]:
                        del self.secrets[secret]

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = list(self.secrets)
        if not secrets:
            return True
        message = record.getMessage()
        if any(secret in message for secret in secrets):
            for secret in secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


#: The one filter on gazu's and urllib3's loggers; each open transport adds its secrets.
REDACT = RedactSecrets()
