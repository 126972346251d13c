"""The one door to Kitsu: the only package that imports gazu or touches HTTP.

``connect(settings)`` logs in and returns a :class:`~.connection.Connection`, which
implements :class:`~.protocol.KitsuSession`, all that ``flow`` and the CLI ask of Kitsu.
One module per job:

- :mod:`.session`: login, lifetime, the one store of records read (:mod:`.records`);
- :mod:`.transport`: HTTP (time limits, retries, errors in words, secrets redacted);
- :mod:`.tasks`: tasks by id, read whole, in bulk, and fresh before posting;
- :mod:`.names`: targets by project, entity and task type names;
- :mod:`.permissions` (Zou's rules, pure) and :mod:`.roles` (the preflight);
- :mod:`.comments`: posting with reconciliation;
- :mod:`.previews`: every gazu call for review media.

gazu is imported inside functions only: importing this package costs a DCC nothing.
"""

from __future__ import annotations

from .connection import Connection, connect
from .protocol import KitsuSession
from .tasks import task_url
from .transport import api_url

__all__ = ["Connection", "KitsuSession", "api_url", "connect", "task_url"]
