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
  nothing are stopped too;
- output size: :data:`~kitsu_publish.text.MAX_COMMENT_CHARS` characters, counted while
  the output streams;
- value size: no operator, call, filter, ``~`` or block may build a string or list of
  more than :data:`MAX_VALUE_SIZE` characters or items, nor an integer of more than
  :data:`MAX_INT_BITS` bits; sizes are estimated *before* the value is built
  (``'a' * 10**9``, ``10 ** (10**8)``, ``'%0999999999d' % 1``, ``'x'.center(10**9)``,
  ``lipsum(10**6)``, ``range(10**6)``: refused without being computed);
- render work: :data:`MAX_RENDER_CHARS` characters or items built in all, so a loop
  cannot fill memory with new values before the time limit;
- recursion: Python's recursion limit (a macro calling itself without end).

Pure: jinja2 is imported lazily, on the first render, never at discovery.
"""

from __future__ import annotations

import math
import re
import reprlib
import sys
import threading
import time
from collections import deque
from collections.abc import ItemsView, Iterable, KeysView, Mapping, ValuesView
from functools import lru_cache, wraps
from itertools import chain, islice
from types import FrameType
from typing import Any, Callable

from .errors import TemplateError
from .text import MAX_COMMENT_CHARS

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

#: Wall-clock budget of one Jinja render, in seconds (a studio template takes ~1 ms).
RENDER_SECONDS = 2.0
#: Deepest nesting of ``{% for %}`` loops a template may have.
MAX_LOOP_DEPTH = 3
#: Longest Jinja template text, in characters (a studio template is under 2 KB;
#: compiling 50,000 characters takes ~0.3 s).
MAX_TEMPLATE_CHARS = 50_000
#: Largest string (characters) or list (items) a template may build on the way to its
#: output: ten times the longest note, so slicing bigger data still works, yet a value
#: stays a few MB.
MAX_VALUE_SIZE = 10 * MAX_COMMENT_CHARS
#: Characters (and list items) a template may build in all during one render, counting
#: every value its operators, calls, filters, ``~``, blocks and macros make, even those
#: it throws away: a hundred times the longest note. This bounds the memory a loop can
#: fill with new values (``{% set a %}{% for ... %}{{ 'x' * 99999 }}...``) long before
#: the time limit would.
MAX_RENDER_CHARS = 100 * MAX_COMMENT_CHARS
#: Largest integer a template may compute, in bits (~3,000 decimal digits; Python
#: refuses to print integers of more than 4,300 digits anyway).
MAX_INT_BITS = 10_000
#: :func:`plain_data`: containers nested deeper than this become their text.
PLAIN_MAX_DEPTH = 8
#: :func:`plain_data`: at most this many values are copied (breadth first).
PLAIN_MAX_ITEMS = 10_000

# Largest indent the tojson filter may use, in spaces.
_MAX_JSON_INDENT = 16
# The file name Jinja gives code compiled from a string.
_TEMPLATE_FILENAME = "<template>"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_LEGACY_KEY = re.compile(r"\{([^}]*)\}")


def md_escape(value: Any) -> str:
    """Escape text for a markdown table cell: special characters and line breaks.

    ``#`` becomes the HTML entity ``&#35;`` rather than ``\\#``: Kitsu shows it as ``#``,
    and Zou's hashtag rule (``#`` followed by letters copies the comment to the
    entity's other tasks) ignores a backslash but finds no letters after ``&#35``.
    """
    text = "" if value is None else str(value)
    text = " ".join(text.splitlines())
    return _MD_SPECIAL.sub(_md_replacement, text)


def _md_replacement(match: re.Match[str]) -> str:
    char = match.group(1)
    return "&#35;" if char == "#" else "\\" + char


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
        if key in variables and variables[key] is not None:
            value = str(variables[key])
            total += len(value)
            if total > MAX_COMMENT_CHARS:
                suffix = f" ({where})" if where else ""
                raise TemplateError(
                    f"the comment template exceeds the output size limit of "
                    f"{MAX_COMMENT_CHARS:,} characters (MAX_COMMENT_CHARS): "
                    f"it renders more than that by key '{{{key}}}'{suffix}"
                )
            return value
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
    except _LimitExceeded as exc:
        raise TemplateError(f"{exc}{suffix}") from None
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
        return _generate(template, variables)
    except _LimitExceeded as exc:
        raise TemplateError(f"{exc}{suffix}") from None
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


# --- plain data ---------------------------------------------------------------------------


def plain_data(
    value: Any, max_depth: int = PLAIN_MAX_DEPTH, max_items: int = PLAIN_MAX_ITEMS
) -> Any:
    """A deep copy of ``value`` made of plain data only, for templates to read.

    Kept: dict (keys become text), list (from list, tuple, set and frozenset; a set
    sorted by ``repr``), str, int, float, bool and None, as their exact built-in types.
    Anything else becomes ``str(obj)`` (its type name in ``<>`` when that fails), so a
    template cannot call the methods of live objects (a pyblish Context, say). A
    container nested deeper than ``max_depth`` becomes its text, shortened as
    :mod:`reprlib` does; a container met again inside itself becomes ``"[...]"`` or
    ``"{...}"``. Copying is breadth first and stops after ``max_items`` values (a
    container's further items are left out), so the top-level keys survive huge data.
    """
    result: list[Any] = []
    # (source, target container, key or None to append, depth, ids of the containers above)
    queue: deque[tuple[Any, Any, Any, int, tuple[int, ...]]] = deque()
    queue.append((value, result, None, 0, ()))
    copied = 0
    while queue and copied < max_items:
        source, target, key, depth, above = queue.popleft()
        copied += 1
        copy = _plain_scalar(source)
        if copy is _NOT_SCALAR:
            copy = _plain_container(source, depth, above, max_depth, queue, max_items - copied)
        if key is None:
            target.append(copy)
        else:
            target[key] = copy
    return result[0] if result else None


_NOT_SCALAR = object()


def _plain_scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)  # a str subclass becomes a plain str
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return _NOT_SCALAR
    return _safe_str(value)


def _plain_container(
    source: Any,
    depth: int,
    above: tuple[int, ...],
    max_depth: int,
    queue: deque[tuple[Any, Any, Any, int, tuple[int, ...]]],
    budget: int,
) -> Any:
    is_mapping = isinstance(source, Mapping)
    if id(source) in above:
        return "{...}" if is_mapping else "[...]"
    if depth >= max_depth:
        return _short_text(source)
    room = max(0, budget - len(queue))
    inner = (*above, id(source))
    try:
        if is_mapping:
            mapping: dict[str, Any] = {}
            for key, item in islice(source.items(), room):
                name = key if isinstance(key, str) else _safe_str(key)
                name = str.__str__(name)
                if name not in mapping:
                    mapping[name] = None  # keeps the key order; filled from the queue
                    queue.append((item, mapping, name, depth + 1, inner))
            return mapping
        items: Iterable[Any] = source
        if isinstance(source, (set, frozenset)):
            items = sorted(source, key=_safe_repr)
        listed: list[Any] = []
        for item in islice(items, room):
            queue.append((item, listed, None, depth + 1, inner))
        return listed
    except Exception:  # a mapping whose items() fails, say
        return _safe_str(source)


def _safe_str(value: Any) -> str:
    try:
        text = str(value)
        return str.__str__(text)
    except Exception:
        return f"<{type(value).__name__}>"


def _short_text(container: Any) -> str:
    """The text of a container too deep to copy, shortened like ``reprlib`` does."""
    try:
        return str.__str__(_SHORT_REPR.repr(container))
    except Exception:
        return f"<{type(container).__name__}>"


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 200


def _safe_repr(value: Any) -> str:
    try:
        return str.__str__(repr(value))
    except Exception:
        return f"<{type(value).__name__}>"


# --- limits -------------------------------------------------------------------------------


class _LimitExceeded(BaseException):
    """A template limit was hit. A BaseException, so that no ``except Exception`` in
    jinja2 or a filter swallows it; :func:`render_jinja` turns it into a TemplateError."""

    def __init__(self, limit: str, value: str, detail: str) -> None:
        super().__init__(f"the comment template exceeds the {limit} limit of {value}: {detail}")


def _value_limit(detail: str) -> _LimitExceeded:
    return _LimitExceeded(
        "value size", f"{MAX_VALUE_SIZE:,} characters or items (MAX_VALUE_SIZE)", detail
    )


def _int_limit(detail: str) -> _LimitExceeded:
    return _LimitExceeded("integer size", f"{MAX_INT_BITS:,} bits (MAX_INT_BITS)", detail)


def _check_size(size: int, what: str) -> None:
    if size > MAX_VALUE_SIZE:
        raise _value_limit(f"{what} would make about {_amount(size)}")


def _amount(number: int) -> str:
    """A count for a message; astronomical ones (10**100) as a power of ten."""
    return f"{number:,}" if number < 10**15 else f"10^{len(str(number)) - 1}"


def _describe(value: Any) -> str:
    if isinstance(value, (str, bytes, list, tuple, dict)):
        return f"a {type(value).__name__} of length {len(value):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"an int of {value.bit_length():,} bits"
    return f"a {type(value).__name__}"


def _size(value: Any, budget: int = MAX_VALUE_SIZE) -> int:
    """About how many characters ``str(value)`` has; counting stops past ``budget``.

    Shared sub-values are counted once per use but measured once, so a value nested
    from itself (``[a, a]`` of ``[b, b]`` of ...) is measured quickly however large its
    text would be.
    """
    return _measure(value, budget, {}, set())


def _measure(value: Any, budget: int, memo: dict[int, int], active: set[int]) -> int:
    if isinstance(value, str):
        return len(value)
    if value is None or isinstance(value, (bool, float)):
        return 24
    if isinstance(value, int):
        return value.bit_length() * 3 // 10 + 2
    if isinstance(value, (bytes, bytearray)):
        return 4 * len(value) + 3
    key = id(value)
    if key in memo:
        return memo[key]
    if key in active:
        return 5
    items: Iterable[Any]
    if isinstance(value, Mapping):
        items = chain.from_iterable(value.items())
    elif isinstance(value, (list, tuple, set, frozenset, KeysView, ValuesView, ItemsView)):
        items = value
    else:
        attrs = _namespace_attrs(value)
        if attrs is None:
            return 64  # jinja objects (loop, cycler, macro...), ranges, generators
        items = chain.from_iterable(attrs.items())
    active.add(key)
    total = 2
    for item in items:
        total += _measure(item, budget - total, memo, active) + 2
        if total > budget:
            break
    active.discard(key)
    if total <= budget:
        memo[key] = total
    return total


def _namespace_attrs(value: Any) -> dict[str, Any] | None:
    if type(value).__name__ not in ("Namespace", "_Namespace"):
        return None
    try:
        attrs = object.__getattribute__(value, "_Namespace__attrs")
    except AttributeError:
        return None
    return attrs if isinstance(attrs, dict) else None


def _shallow(value: Any) -> int:
    if isinstance(value, (str, bytes, bytearray, list, tuple, dict, set, frozenset)):
        return len(value)
    return 0


def _check_result(value: Any, what: str) -> Any:
    """A value an operator, call or filter made: its size, counted in the render's work."""
    size = _shallow(value)
    if size > MAX_VALUE_SIZE:
        raise _value_limit(f"{what} made {size:,}")
    if isinstance(value, int) and not isinstance(value, bool):
        bits = value.bit_length()
        if bits > MAX_INT_BITS:
            raise _int_limit(f"{what} made an int of {bits:,} bits")
    _count(size)
    return value


def _check_stored(value: Any, what: str) -> None:
    """A value stored in a namespace: its whole size, which may not grow unbounded."""
    if isinstance(value, int) and not isinstance(value, bool):
        bits = value.bit_length()
        if bits > MAX_INT_BITS:
            raise _int_limit(f"{what} would hold an int of {bits:,} bits")
        return
    size = _size(value)
    if size > MAX_VALUE_SIZE:
        raise _value_limit(f"{what} would hold {_describe(value)}, about {size:,} as text")


_state = threading.local()


def _tick() -> None:
    """Check the render's clock from the sandbox's own hooks (calls, operators, joins).

    The line tracer can be switched off behind our back: Python drops a thread's trace
    function when it raises where the exception cannot propagate (a generator of an
    earlier render closed by the garbage collector during this one). So the hooks
    check the clock too, and put the tracer back for the frames still to come.
    """
    render = getattr(_state, "render", None)
    if render is not None:
        render.check()
        if sys.gettrace() is None:
            sys.settrace(render.trace)


def _count(size: int) -> None:
    """Add ``size`` characters or items to the work of the render running in this thread."""
    render = getattr(_state, "render", None)
    if render is not None and size:
        render.built += size
        if render.built > MAX_RENDER_CHARS:
            raise _LimitExceeded(
                "render work",
                f"{MAX_RENDER_CHARS:,} characters or items built in all (MAX_RENDER_CHARS)",
                "its loops, macros or blocks build too many values",
            )


def _number(text: str) -> int:
    """A width or precision written in a format; absurdly long ones count as huge."""
    return int(text) if len(text) <= 9 else MAX_VALUE_SIZE * 10


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)", re.S)


def _percent_size(fmt: str, args: Any, escaped: bool = False) -> int:
    """An upper bound of ``len(fmt % args)``."""
    if isinstance(args, Mapping):
        values = list(args.values())
    elif isinstance(args, tuple):
        values = list(args)
    else:
        values = [args]
    biggest = max((_size(v) for v in values), default=0) * (6 if escaped else 1)
    star = max((abs(v) for v in values if type(v) is int), default=0)
    total = len(fmt)
    for match in _PERCENT_SPEC.finditer(fmt):
        width, precision, conversion = match.groups()
        if conversion == "%":
            continue
        for number in (width, precision):
            if number == "*":
                total += star
            elif number:
                total += _number(number)
        total += biggest
        if total > MAX_VALUE_SIZE:
            break
    return total


def _bound_self(obj: Any) -> Any:
    """The object a method is bound to; None for functions."""
    owner = getattr(obj, "__self__", None)
    if owner is None and hasattr(obj, "__wrapped__"):
        # Jinja >= 3.1.5 hands templates str.format wrapped, the method as __wrapped__
        owner = getattr(obj.__wrapped__, "__self__", None)
    return owner


def _format_call(env: Any, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``text.format(...)`` and ``text.format_map(...)`` run here, through the sandbox's
    formatter with a size check on every field (nested widths included); None when
    ``obj`` is no such method."""
    owner = _bound_self(obj)
    name = getattr(obj, "__name__", "")
    if not (isinstance(owner, str) and name in ("format", "format_map")):
        return None
    values: Any = kwargs
    if name == "format_map":
        if kwargs or len(args) != 1:
            raise TypeError(f"format_map() takes exactly one argument ({len(args)} given)")
        values, args = args[0], ()
    plain, escaping = _formatter_classes()
    # Markup gets the escaping formatter, as in the sandbox
    markup = hasattr(owner, "__html__")
    formatter = escaping(env, escape=getattr(owner, "escape", None)) if markup else plain(env)
    return type(owner)(formatter.vformat(owner, args, values))


class _SizedFormat:
    """Mixin for the sandbox's formatters: refuse a field whose format spec asks for a
    huge width or precision, or whose value or the whole result grows too large."""

    _sized_total = 0

    def format_field(self, value: Any, format_spec: str) -> str:
        numbers = sum(_number(digits) for digits in re.findall(r"\d+", format_spec))
        size = _size(value) + numbers
        self._sized_total += size + 2
        _check_size(max(size, self._sized_total), f"a format field '{{:{format_spec[:20]}}}'")
        return super().format_field(value, format_spec)  # type: ignore[misc]


@lru_cache(maxsize=1)
def _formatter_classes() -> tuple[Any, Any]:
    import jinja2.sandbox

    plain = type("_SizedFormatter", (_SizedFormat, jinja2.sandbox.SandboxedFormatter), {})
    escape = type(
        "_SizedEscapeFormatter", (_SizedFormat, jinja2.sandbox.SandboxedEscapeFormatter), {}
    )
    return plain, escape


def _arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str) -> Any:
    if len(args) > index:
        return args[index]
    return kwargs.get(name)


def _width(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return len(value)
    return 0


def _replace_size(text: Any, old: Any, new: Any, count: Any) -> int:
    if not (isinstance(text, (str, bytes)) and isinstance(old, type(text))):
        return 0
    if not isinstance(new, type(text)):
        return 0
    counter: Callable[[Any], int] = text.count
    occurrences = len(text) + 1 if not old else counter(old)
    if isinstance(count, int) and count >= 0:
        occurrences = min(occurrences, count)
    return len(text) + occurrences * max(0, len(new) - len(old))


def _join_size(separator: Any, items: list[Any]) -> int:
    total = _size(separator) * max(0, len(items) - 1)
    for item in items:
        total += _size(item, MAX_VALUE_SIZE - total)
        if total > MAX_VALUE_SIZE:
            break
    return total


# Methods of str and bytes whose result can be much larger than the text and arguments.
def _check_text_method(
    env: Any, owner: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    what = f"{type(owner).__name__}.{name}()"
    if name in ("center", "ljust", "rjust", "zfill"):
        _check_size(max(len(owner), _width(_arg(args, kwargs, 0, "width"))), what)
    elif name == "expandtabs":
        tabsize = _width(_arg(args, kwargs, 0, "tabsize"))
        tabs = owner.count("\t" if isinstance(owner, str) else b"\t")
        _check_size(len(owner) + tabs * max(tabsize, 8), what)
    elif name == "replace":
        old, new, count = (_arg(args, kwargs, i, n) for i, n in enumerate(("old", "new", "count")))
        _check_size(_replace_size(owner, old, new, count), what)
    elif name == "join" and args:
        items = list(args[0])
        _check_size(_join_size(owner, items), what)
        args = (items, *args[1:])
    elif name == "translate" and args and isinstance(args[0], Mapping):
        biggest = max((_size(v) for v in args[0].values()), default=1)
        _check_size(len(owner) * max(biggest, 1), what)
    return args, kwargs


def _check_call(
    env: Any, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Refuse a call whose result would be absurdly large; may materialize iterables."""
    import jinja2.sandbox
    import jinja2.utils

    for value in chain(args, kwargs.values()):
        if isinstance(value, (str, bytes)) and len(value) > MAX_VALUE_SIZE:
            raise _value_limit(f"a call got an argument of {len(value):,} characters")
    owner = _bound_self(obj)
    name = getattr(obj, "__name__", "")
    if isinstance(owner, (str, bytes)):
        return _check_text_method(env, owner, name, args, kwargs)
    if isinstance(owner, int) and name == "to_bytes":
        _check_size(_width(_arg(args, kwargs, 0, "length")), "int.to_bytes()")
    elif obj is jinja2.sandbox.safe_range:
        length = _range_length(args)
        if length > jinja2.sandbox.MAX_RANGE:
            raise _LimitExceeded(
                "range size",
                f"{jinja2.sandbox.MAX_RANGE:,} items (the sandbox's MAX_RANGE)",
                f"range() would have {_amount(length)} items",
            )
    elif obj is jinja2.utils.generate_lorem_ipsum:
        count = _width(_arg(args, kwargs, 0, "n") or 5)
        most = _width(_arg(args, kwargs, 3, "max") or 100)
        # the longest lorem ipsum word has 12 letters; a paragraph has its html tags
        _check_size(max(count, 0) * (max(most, 0) * 13 + 10), "lipsum()")
    return args, kwargs


def _range_length(args: tuple[Any, ...]) -> int:
    """How many items ``range(*args)`` has, even past what ``len()`` can count."""
    try:
        numbers = range(*args)
    except (TypeError, ValueError):
        return 0  # range() itself will say what is wrong
    step = numbers.step
    span = numbers.stop - numbers.start
    return max(0, (span + step - (1 if step > 0 else -1)) // step)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        if _is_int(left) and _is_int(right):
            bits = left.bit_length() + right.bit_length()
            if bits > MAX_INT_BITS:
                raise _int_limit(f"{_describe(left)} * {_describe(right)} would have {bits:,}")
    elif operator == "**":
        if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            # |left| >= 2, so the result has at least ``right`` bits
            bits = right if right > MAX_INT_BITS else int(right * math.log2(abs(left))) + 1
            if bits > MAX_INT_BITS:
                raise _int_limit(
                    f"{_describe(left)} ** {_amount(right)} would have about {_amount(bits)}"
                )
    elif operator == "%":
        if isinstance(left, str):
            escaped = hasattr(left, "__html__")
            _check_size(_percent_size(left, right, escaped), "a '%' format")
    elif operator == "+" and _is_sequence(left) and _is_sequence(right):
        _check_size(len(left) + len(right), f"{_describe(left)} + {_describe(right)}")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (str, list, tuple))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_repeat(sequence: Any, count: Any) -> None:
    if isinstance(sequence, (str, bytes, list, tuple)) and _is_int(count) and count > 0:
        _check_size(len(sequence) * count, f"{_describe(sequence)} * {_amount(count)}")


def _check_output(value: Any) -> Any:
    """``finalize``: every ``{{ }}`` value, before it becomes text."""
    if isinstance(value, str):
        return value  # text is output as it is: nothing new is built
    size = _size(value)
    if size > MAX_VALUE_SIZE:
        raise _value_limit(f"an output value of {_describe(value)} is about {size:,} as text")
    _count(size)
    return value


def _checked_join(join: Callable[[Any], str]) -> Callable[[Any], str]:
    """``~``, ``{% set %}`` blocks, macro and filter block bodies: size the parts first."""

    @wraps(join)
    def joined(parts: Iterable[Any]) -> str:
        _tick()
        items = list(parts)
        total = 0
        for item in items:
            total += len(item) if isinstance(item, str) else _size(item)
            if total > MAX_VALUE_SIZE:
                raise _value_limit(
                    f"joining {len(items):,} pieces of text would make more than that"
                )
        _count(total)
        return _check_result(join(items), "joining text")

    return joined


# Filters that do not turn their input into text; the others may not get a value whose
# text would exceed MAX_VALUE_SIZE.
_STRUCTURAL_FILTERS = frozenset(
    [
        *("abs", "attr", "batch", "count", "d", "default", "dictsort", "first", "float"),
        *("groupby", "int", "items", "join", "last", "length", "list", "map", "max", "min"),
        *("random", "reject", "rejectattr", "reverse", "round", "select", "selectattr"),
        *("slice", "sort", "sum", "unique"),
    ]
)


def _check_filter(
    env: Any, name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, tuple[Any, ...]]:
    """Refuse a filter call whose result would be absurdly large; may materialize."""
    what = f"the {name} filter"
    if name not in _STRUCTURAL_FILTERS:
        _check_size(_size(value), f"{what}'s input, as text,")
    for arg in chain(args, kwargs.values()):
        if isinstance(arg, (str, bytes)) and len(arg) > MAX_VALUE_SIZE:
            raise _value_limit(f"{what} got an argument of {len(arg):,} characters")
    text = value if isinstance(value, str) else None
    if name == "center":
        _check_size(_width(_arg(args, kwargs, 0, "width")), what)
    elif name == "indent":
        width = _width(_arg(args, kwargs, 0, "width"))
        lines = (text or str(value)).count("\n") + 1
        _check_size(_size(value) + lines * max(width, 4), what)
    elif name == "wordwrap":
        wrapstring = _arg(args, kwargs, 2, "wrapstring")
        _check_size(_size(value) * (1 + _width(wrapstring or "\n")), what)
    elif name == "format":
        _check_size(_percent_size(str(value), kwargs or args), what)
    elif name == "replace":
        old, new, count = (_arg(args, kwargs, i, n) for i, n in enumerate(("old", "new", "count")))
        _check_size(_replace_size(text if text is not None else str(value), old, new, count), what)
    elif name == "join":
        import jinja2.filters

        value = list(value)
        parts = value
        attribute = _arg(args, kwargs, 1, "attribute")
        if attribute is not None:
            getter = jinja2.filters.make_attrgetter(env, attribute)
            parts = [getter(item) for item in value]
        _check_size(_join_size(_arg(args, kwargs, 0, "d") or "", parts), what)
    elif name in ("slice", "batch"):
        _check_size(
            _width(_arg(args, kwargs, 0, "slices" if name == "slice" else "linecount")), what
        )
    elif name == "tojson":
        indent = _width(_arg(args, kwargs, 0, "indent"))
        if indent > _MAX_JSON_INDENT:
            raise _value_limit(f"{what} indent of {indent:,} is over {_MAX_JSON_INDENT}")
    elif name == "urlize":
        extra = sum(_width(_arg(args, kwargs, i, n)) for i, n in ((3, "target"), (4, "rel")))
        size = _size(value)
        _check_size(3 * size + (size // 4 + 1) * (64 + extra), what)
    elif name == "truncate":
        end = _arg(args, kwargs, 2, "end")
        _check_size(_size(value) + _width(end if end is not None else "..."), what)
    return value, args


def _checked_sum(environment: Any, values: list[Any], attribute: Any, start: Any) -> Any:
    """The sum filter, linear when it adds lists or tuples (Python's sum is quadratic);
    None when it is no such sum."""
    import jinja2.filters

    if not isinstance(start, (list, tuple)):
        return None
    items = values
    if attribute is not None:
        getter = jinja2.filters.make_attrgetter(environment, attribute)
        items = [getter(item) for item in items]
    if not all(type(item) is type(start) for item in items):
        return None
    _check_size(len(start) + sum(len(item) for item in items), "the sum filter")
    return type(start)(chain(start, *items))


def _wrap_filter(env: Any, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter behind size checks; always ``pass_context``, which also keeps Jinja from
    running it at compile time (constant folding) where no limit applies."""
    import jinja2

    kind = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    @wraps(func)
    def checked(context: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        value, args = _check_filter(env, name, value, args, kwargs)
        if name == "sum":
            value = list(value)
            summed = _checked_sum(
                context.environment,
                value,
                _arg(args, kwargs, 0, "attribute"),
                kwargs.get("start", args[1] if len(args) > 1 else 0),
            )
            if summed is not None:
                return summed
        if kind == "context":
            result = func(context, value, *args, **kwargs)
        elif kind == "eval_context":
            result = func(context.eval_ctx, value, *args, **kwargs)
        elif kind == "environment":
            result = func(context.environment, value, *args, **kwargs)
        else:
            result = func(value, *args, **kwargs)
        return _check_result(result, f"the {name} filter")

    # After @wraps, which copied the original's pass_* mark.
    return jinja2.pass_context(checked)


# --- loop nesting -------------------------------------------------------------------------


def _loop_depth(tree: Any) -> int:
    """How deep ``{% for %}`` loops nest in a parsed template.

    A macro's loops count inside the loops it is called from (and the body of a
    ``{% call %}`` inside the macro's loops); a recursive loop counts two levels, and a
    macro calling itself one more level: recursion cannot be bounded here, the time
    and recursion limits stop it.
    """
    from jinja2 import nodes

    macros: dict[str, list[Any]] = {}
    for macro in tree.find_all(nodes.Macro):
        macros.setdefault(macro.name, []).append(macro)
    memo: dict[str, int] = {}
    active: set[str] = set()

    def macro_depth(name: str) -> int:
        if name in memo:
            return memo[name]
        if name in active:
            return 1
        active.add(name)
        depth = max(
            (depth_of(child, 0) for macro in macros[name] for child in macro.body), default=0
        )
        active.discard(name)
        memo[name] = depth
        return depth

    def called_macro(node: Any) -> str | None:
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
            return node.node.name if node.node.name in macros else None
        return None

    def depth_of(node: Any, current: int) -> int:
        if isinstance(node, nodes.Macro):
            return current  # counted where it is called
        if isinstance(node, nodes.For):
            inner = current + (2 if node.recursive else 1)
            best = max(inner, depth_of(node.iter, current))
            for child in [*node.body, *([node.test] if node.test is not None else [])]:
                best = max(best, depth_of(child, inner))
            for child in node.else_:
                best = max(best, depth_of(child, current))
            return best
        if isinstance(node, nodes.CallBlock):
            name = called_macro(node.call)
            inside = current + (macro_depth(name) if name else 0)
            best = max(current, depth_of(node.call, current))
            for child in node.body:
                best = max(best, depth_of(child, inside))
            return best
        best = current
        name = called_macro(node)
        if name is not None:
            best = current + macro_depth(name)
        for child in node.iter_child_nodes():
            best = max(best, depth_of(child, current))
        return best

    return depth_of(tree, 0)


# --- the environment ------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _compile(text: str) -> Any:
    if len(text) > MAX_TEMPLATE_CHARS:
        raise _LimitExceeded(
            "template size",
            f"{MAX_TEMPLATE_CHARS:,} characters (MAX_TEMPLATE_CHARS)",
            f"it has {len(text):,}",
        )
    env = _environment()
    tree = env.parse(text)
    depth = _loop_depth(tree)
    if depth > MAX_LOOP_DEPTH:
        raise _LimitExceeded(
            "loop nesting",
            f"{MAX_LOOP_DEPTH} nested loops (MAX_LOOP_DEPTH)",
            f"its {{% for %}} loops nest {depth} deep (counting the loops of macros "
            "called inside loops, and recursion as one more level)",
        )
    template = env.from_string(tree)
    # Jinja 3.0 compiled code joins text with module-level helpers; 3.1 uses
    # environment.concat (overridden below) for blocks and these for "~".
    namespace = template.root_render_func.__globals__
    for helper in ("concat", "str_join", "markup_join"):
        if helper in namespace:
            namespace[helper] = _checked_join(namespace[helper])
    return template


def _generate(template: Any, variables: Mapping[str, Any]) -> str:
    """Stream the output under the time and output size limits."""
    render = _Render(RENDER_SECONDS)
    chunks: list[str] = []
    total = 0
    stream = template.generate(**variables)
    outer = getattr(_state, "render", None)
    _state.render = render
    previous = sys.gettrace()
    sys.settrace(render.trace)
    try:
        for chunk in stream:
            total += len(chunk)
            if total > MAX_COMMENT_CHARS:
                raise _LimitExceeded(
                    "output size",
                    f"{MAX_COMMENT_CHARS:,} characters (MAX_COMMENT_CHARS)",
                    f"it rendered {total:,} characters before it was stopped",
                )
            chunks.append(chunk)
    finally:
        sys.settrace(previous)
        _state.render = outer
        stream.close()
    return "".join(chunks)


class _Render:
    """One render's budgets: its work count, and a ``sys.settrace`` function that stops
    template code after ``seconds``.

    Only frames of compiled template code (file name ``<template>``) get the line
    tracer, which reads the clock on every line: a line runs one bounded operation (the
    value limits keep each one small), so the render stops within milliseconds of the
    deadline. Raising from a trace function ends tracing; :func:`_generate` restores
    the previous trace function (a debugger's, coverage's) in any case.
    """

    __slots__ = ("built", "end", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.built = 0

    def trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        if frame.f_code.co_filename != _TEMPLATE_FILENAME:
            return None
        self.check()
        return self.line

    def line(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        self.check()
        return self.line

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise _LimitExceeded(
                "render time",
                f"{self.seconds:g} seconds (RENDER_SECONDS)",
                "it was stopped; look for loops that run too often or a macro that calls itself",
            )


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2
    import jinja2.runtime
    import jinja2.sandbox
    import jinja2.utils

    class _Namespace(jinja2.utils.Namespace):
        """``namespace()``: a value stored in it may not exceed the size limits."""

        def __init__(*args: Any, **kwargs: Any) -> None:  # no self: "self" may be a key
            self, values = args[0], dict(*args[1:], **kwargs)
            for name, value in values.items():
                _check_stored(value, f"namespace attribute '{name}'")
            jinja2.utils.Namespace.__init__(self, values)

        def __setitem__(self, name: str, value: Any) -> None:
            _check_stored(value, f"namespace attribute '{name}'")
            super().__setitem__(name, value)

    class _Environment(jinja2.sandbox.ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%", "+"])
        # Jinja 3.1+: blocks, macros and filter blocks join their output with this.
        concat = staticmethod(_checked_join("".join))

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            _tick()
            _check_binop(operator, left, right)
            result = super().call_binop(context, operator, left, right)
            return _check_result(result, f"'{operator}'")

        def getattr(self, obj: Any, attribute: str) -> Any:
            _tick()
            return super().getattr(obj, attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            _tick()
            return super().getitem(obj, argument)

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            _tick()
            result = _format_call(self, obj, args, kwargs)
            if result is None:
                args, kwargs = _check_call(self, obj, args, kwargs)
                result = super().call(context, obj, *args, **kwargs)
            return _check_result(result, f"calling {getattr(obj, '__name__', 'a function')}")

    env = _Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        finalize=_check_output,
    )
    env.globals["namespace"] = _Namespace
    env.filters["md"] = md_escape
    env.filters = {name: _wrap_filter(env, name, func) for name, func in env.filters.items()}
    return env
