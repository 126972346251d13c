"""The renderer: a comment template in Jinja or in the legacy ``{key}`` syntax, and ``md``.

Jinja templates render in the sandbox (:mod:`.sandbox`); every way one can fail (syntax,
undefined name, sandbox refusal, a limit, Python's recursion limit, a filter on the
wrong type) becomes a :class:`~kitsu_publish.errors.TemplateError` naming where it
happened. Legacy templates substitute keys, a missing one being empty text and a warning.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any, Callable

from ..errors import TemplateError
from ..text import MAX_COMMENT_CHARS
from . import limits, sandbox

_LEGACY_KEY = re.compile(r"\{([^}]*)\}")

# Every ASCII punctuation character that means something to marked (GFM), to Kitsu's
# emoji, link and tag rules or to Zou's parsers; a backslash makes each plain text.
# Left as they are, having no meaning there: " ' $ % ^ , ; ? /
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()<>#+\-.!|~:&=@]|v(?=[0-9])")
# An empty element: nothing to see, but it sits between a character and the next in
# the stored text and in the HTML that Kitsu's own substitutions read.
_BREAK = "<span></span>"
_MD_REPLACEMENTS = {"#": "\\#" + _BREAK, "@": "\\@" + _BREAK, "v": "v" + _BREAK}
# Spaces that HTML would collapse or that markdown would read (a line's leading spaces
# make code, two trailing ones a line break): at the start or end of a line, or in a row.
_MD_SPACES = re.compile("^ +| +$| {2,}")


def md_escape(value: Any) -> str:
    """``value`` as markdown that Kitsu's web app shows exactly as it is (docs/notes.md).

    Kitsu renders a comment with marked (GFM) and marked-emoji, sanitizes the HTML, then
    replaces ``@Full Name``, ``#TaskType``, ``#All`` and timecodes in it; Zou reads
    mentions (``@Full Name``, ``@Department``, followed by a space or the end) and tags
    (``#`` and letters) from the stored text. So:

    - every markdown character (``\\ ` * _ { } [ ] ( ) < > # + - . ! | ~ : & = @``) is
      backslash-escaped: no emphasis, code, link, autolink (``http:``, ``www.``, e-mail),
      list, heading, table cell, HTML, entity or ``:emoji:``;
    - ``#``, ``@`` and a ``v`` before a digit are followed by an empty ``<span></span>``:
      neither Zou nor Kitsu's substitutions find a tag, a mention or a timecode there;
    - spaces that HTML would collapse or markdown read (leading, trailing, two or more)
      are ``&nbsp;``, a tab one of them; each line break is ``<br>``, so a value stays
      on its table row.
    """
    text = "" if value is None else str(value)
    return "<br>".join(_md_line(line) for line in text.splitlines())


def _md_line(line: str) -> str:
    escaped = _MD_SPECIAL.sub(_md_replacement, line.replace("\t", " "))
    return _MD_SPACES.sub(lambda match: "&nbsp;" * len(match.group()), escaped)


def _md_replacement(match: re.Match[str]) -> str:
    char = match.group()
    return _MD_REPLACEMENTS.get(char) or "\\" + char


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
            return render_legacy(
                text, variables, lambda message: say(f"{message} ({where})"), where
            )
        return render_legacy(text, variables, warn, where)
    return render_jinja(text, variables, where)


def render_legacy(
    text: str,
    variables: Mapping[str, Any],
    warn: Callable[[str], None] | None = None,
    where: str = "",
) -> str:
    """``{key}`` substitution; a missing key is empty text and a warning.

    The output may not exceed :data:`~kitsu_publish.text.MAX_COMMENT_CHARS` characters.
    """
    total = len(text)

    def substitute(match: re.Match[str]) -> str:
        nonlocal total
        key = match.group(1)
        value = variables.get(key)
        if value is None:
            if warn is not None:
                warn(f"template key '{{{key}}}' was not found; it renders as empty text")
            value = ""
        shown = str(value)
        total += len(shown)
        if total > MAX_COMMENT_CHARS:
            raise TemplateError(
                f"the comment template exceeds the output size limit of "
                f"{MAX_COMMENT_CHARS:,} characters (MAX_COMMENT_CHARS): "
                f"it renders more than that by key '{{{key}}}'{_suffix(where)}"
            )
        return shown

    return _LEGACY_KEY.sub(substitute, text)


def render_jinja(text: str, variables: Mapping[str, Any], where: str = "") -> str:
    """Render a Jinja2 template in the sandbox; any failure is a :class:`TemplateError`.

    The render time budget is :data:`kitsu_publish.template.RENDER_SECONDS` as it is
    when the render starts (a host may lower it there).
    """
    import jinja2
    import jinja2.sandbox

    from .. import template

    suffix = _suffix(where)
    try:
        compiled = sandbox.compile_template(text)
    except limits.LimitExceeded as exc:
        raise _limit_error(exc, suffix) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            f"the comment template has a syntax error on line {exc.lineno}: {exc.message}{suffix}"
        ) from None
    except (RecursionError, MemoryError):
        raise TemplateError(
            f"the comment template exceeds the nesting limit of the template compiler "
            f"(Python's recursion limit, {sys.getrecursionlimit():,} frames): brackets, "
            f"blocks or expressions are nested too deeply{suffix}"
        ) from None
    except Exception as exc:
        raise TemplateError(
            f"the comment template does not compile: {type(exc).__name__}: {exc}{suffix}"
        ) from None
    try:
        return sandbox.generate(compiled, variables, template.RENDER_SECONDS)
    except limits.LimitExceeded as exc:
        raise _limit_error(exc, suffix) from None
    except jinja2.UndefinedError as exc:
        raise TemplateError(
            f"the comment template uses an undefined name: {exc.message}{suffix}. "
            f"Known names: {', '.join(sorted(variables))}"
        ) from None
    except jinja2.sandbox.SecurityError as exc:
        raise TemplateError(
            f"the comment template tried something the sandbox forbids: {exc}{suffix}"
        ) from None
    except RecursionError:
        raise TemplateError(
            f"the comment template exceeds the recursion depth limit of "
            f"{sys.getrecursionlimit():,} Python frames: a macro or a recursive loop "
            f"calls itself too deeply{suffix}"
        ) from None
    except MemoryError:
        raise TemplateError(f"the comment template ran out of memory{suffix}") from None
    except Exception as exc:  # a filter or a format on the wrong type, say
        raise TemplateError(
            f"the comment template failed to render: {type(exc).__name__}: {exc}{suffix}"
        ) from None


def _limit_error(exc: limits.LimitExceeded, suffix: str) -> TemplateError:
    return TemplateError(
        f"the comment template exceeds the {exc.limit} limit of {exc.value}: {exc.detail}{suffix}"
    )


def _suffix(where: str) -> str:
    return f" ({where})" if where else ""
