"""Plain data: the copy of instance data a template reads, made of plain values only.

A publish keeps live objects in instance data (a pyblish Context, say); a template must
not call their methods, nor walk a huge or self-containing structure, so it reads a
bounded copy of dicts, lists, text and numbers.
"""

from __future__ import annotations

import reprlib
from collections import deque
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

#: :func:`plain_data`: containers nested deeper than this become their text.
PLAIN_MAX_DEPTH = 8
#: :func:`plain_data`: at most this many values are copied (breadth first).
PLAIN_MAX_ITEMS = 10_000

# (source, target container, key or None to append, depth, ids of the containers above)
_Queue = deque[tuple[Any, Any, Any, int, tuple[int, ...]]]


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
    queue: _Queue = deque()
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
    queue: _Queue,
    budget: int,
) -> Any:
    is_mapping = isinstance(source, Mapping)
    if id(source) in above:
        return "{...}" if is_mapping else "[...]"
    if depth >= max_depth:
        return _short_text(source)
    room = budget - len(queue)  # never below 0: the queue holds at most the budget
    inner = (*above, id(source))
    try:
        if is_mapping:
            mapping: dict[str, Any] = {}
            for key, item in islice(source.items(), room):
                name = str.__str__(key) if isinstance(key, str) else _safe_str(key)
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
