"""The one door to Kitsu: the only package that imports gazu or touches HTTP."""

from __future__ import annotations

from .session import Session, connect, task_url
from .transport import api_url

__all__ = ["Session", "api_url", "connect", "task_url"]
