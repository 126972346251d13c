"""Render the markdown comment from a template.

Two syntaxes:

- ``jinja`` (default): Jinja2 in an immutable sandbox, so a template is configuration
  and cannot reach Python internals. Undefined names are errors. A filter ``md``
  escapes text for markdown (tables included).
- ``legacy``: the ``{key}`` syntax of the AYON/OpenPype Kitsu integrations. A missing
  key renders as empty text with a warning, as it does there.

Templates see plain data only (:func:`plain_data`): dicts, lists, text, numbers; never
the live objects a publish puts in instance data.

A Jinja template is also held to limits, each a :class:`TemplateError` naming the limit,
its value and where it happened, raised quickly rather than hanging or exhausting memory:

- template size: :data:`MAX_TEMPLATE_CHARS` characters of template text;
- loop nesting: :data:`MAX_LOOP_DEPTH` nested ``{% for %}``, checked on the parsed
  template (loops of a macro called inside a loop count inside it; a recursive loop or
  a macro calling itself counts one level more);
- render time: :data:`RENDER_SECONDS` of wall clock, checked on every line the compiled
  template runs (a trace function active only in template code), so loops that output
  nothing are stopped too; read here at each render, so a host may lower it;
- output size: :data:`~kitsu_publish.text.MAX_COMMENT_CHARS` characters, counted while
  the output streams;
- value size: no operator, call, filter, ``~`` or block may build a string or list of
  more than :data:`MAX_VALUE_SIZE` characters or items, nor an integer of more than
  :data:`MAX_INT_BITS` bits; sizes are estimated *before* the value is built
  (``'a' * 10**9``, ``10 ** (10**8)``, ``'%0999999999d' % 1``, ``'x'.center(10**9)``,
  ``lipsum(10**6)``: refused without being computed); ``range`` is Jinja's own,
  refusing more than 100,000 items;
- render work: :data:`MAX_RENDER_CHARS` characters or items built in all, so a loop
  cannot fill memory with new values before the time limit;
- recursion: Python's recursion limit (a macro calling itself without end).

The modules: :mod:`.renderer` (the renderer: Jinja, legacy, ``md``), :mod:`.plain` (the
plain copy of instance data), and the sandbox's limits: :mod:`.limits` (their values,
the error, one render's clock and work count), :mod:`.sizes` (value sizes, estimated
and checked), :mod:`.loops` (loop nesting), :mod:`.filters` (filters behind size
checks), :mod:`.sandbox` (the environment and its hooks). Only the names below are
public.

Pure: jinja2 is imported lazily, on the first render, never at discovery.
"""

from __future__ import annotations

from .limits import (
    MAX_INT_BITS,
    MAX_LOOP_DEPTH,
    MAX_RENDER_CHARS,
    MAX_TEMPLATE_CHARS,
    MAX_VALUE_SIZE,
    RENDER_SECONDS,
)
from .plain import PLAIN_MAX_DEPTH, PLAIN_MAX_ITEMS, plain_data
from .renderer import md_escape, render, render_jinja, render_legacy

__all__ = [
    "MAX_INT_BITS",
    "MAX_LOOP_DEPTH",
    "MAX_RENDER_CHARS",
    "MAX_TEMPLATE_CHARS",
    "MAX_VALUE_SIZE",
    "PLAIN_MAX_DEPTH",
    "PLAIN_MAX_ITEMS",
    "RENDER_SECONDS",
    "md_escape",
    "plain_data",
    "render",
    "render_jinja",
    "render_legacy",
]
