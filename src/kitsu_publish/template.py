"""Render the markdown comment from a template.

Two syntaxes:

- ``jinja`` (default): Jinja2 in an immutable sandbox, so a template is configuration
  and cannot reach Python internals. Undefined names are errors. A filter ``md``
  escapes text for markdown (tables included).
- ``legacy``: the ``{key}`` syntax of the AYON/OpenPype Kitsu integrations. A missing
  key renders as empty text with a warning, as it does there.

Pure: jinja2 is imported lazily, on the first render, never at discovery.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Callable

from .errors import TemplateError

__all__ = ["md_escape", "render", "render_jinja", "render_legacy"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_LEGACY_KEY = re.compile(r"\{([^}]*)\}")


def md_escape(value: Any) -> str:
    """Escape text for a markdown table cell: special characters and line breaks."""
    text = "" if value is None else str(value)
    text = " ".join(text.splitlines())
    return _MD_SPECIAL.sub(r"\\\1", text)


def render(
    text: str,
    syntax: str,
    variables: Mapping[str, Any],
    warn: Callable[[str], None] | None = None,
    where: str = "",
) -> str:
    """Render ``text`` in ``syntax`` ("jinja" or "legacy") with ``variables``."""
    if syntax == "legacy":
        if warn is not None and where:
            say = warn
            return render_legacy(text, variables, lambda message: say(f"{message} ({where})"))
        return render_legacy(text, variables, warn)
    return render_jinja(text, variables, where)


def render_legacy(
    text: str, variables: Mapping[str, Any], warn: Callable[[str], None] | None = None
) -> str:
    """``{key}`` substitution; a missing key is empty text and a warning."""

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1)
        if key in variables and variables[key] is not None:
            return str(variables[key])
        if warn is not None:
            warn(f"template key '{{{key}}}' was not found; it renders as empty text")
        return ""

    return _LEGACY_KEY.sub(substitute, text)


def render_jinja(text: str, variables: Mapping[str, Any], where: str = "") -> str:
    """Render a Jinja2 template in the sandbox; any failure is a :class:`TemplateError`."""
    import jinja2
    import jinja2.sandbox

    suffix = f" ({where})" if where else ""
    try:
        template = _compile(text)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"the comment template has a syntax error on line {exc.lineno}: {exc.message}{suffix}"
        ) from None
    try:
        return template.render(**variables)
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"the comment template uses an undefined name: {exc.message}{suffix}. "
            f"Known names: {', '.join(sorted(variables))}"
        ) from None
    except jinja2.sandbox.SecurityError as exc:
        raise TemplateError(
            f"the comment template tried something the sandbox forbids: {exc}{suffix}"
        ) from None
    except Exception as exc:  # a filter or a format on the wrong type, say
        raise TemplateError(
            f"the comment template failed to render: {type(exc).__name__}: {exc}{suffix}"
        ) from None


@lru_cache(maxsize=64)
def _compile(text: str) -> Any:
    return _environment().from_string(text)


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2
    import jinja2.sandbox

    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    return env
