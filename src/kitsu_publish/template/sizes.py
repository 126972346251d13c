"""Value sizes: how large a value is as text, or would be once built, and refusing too large.

Estimates come *before* a value is built where building it is the danger (``'a' * 10**9``,
``'%0999999999d' % 1``); a value already built is checked by its length, and counted in
the render's work. Nothing here imports jinja2.
"""

from __future__ import annotations

import re
from collections.abc import ItemsView, Iterable, KeysView, Mapping, ValuesView
from itertools import chain
from typing import Any, Callable

from . import limits
from .limits import MAX_INT_BITS, MAX_VALUE_SIZE

# A number written with more digits than this counts as too large to read.
_MOST_DIGITS = 9
_HUGE = 10**_MOST_DIGITS


def amount(number: int) -> str:
    """A count for a message; astronomical ones (10**100) as a power of ten."""
    return f"{number:,}" if number < 10**15 else f"10^{len(str(number)) - 1}"


def describe(value: Any) -> str:
    if isinstance(value, (str, bytes, list, tuple, dict)):
        return f"a {type(value).__name__} of length {len(value):,}"
    if is_int(value):
        return f"an int of {value.bit_length():,} bits"
    return f"a {type(value).__name__}"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def size(value: Any, budget: int = MAX_VALUE_SIZE) -> int:
    """About how many characters ``str(value)`` has; counting stops past ``budget``.

    Shared sub-values are counted once per use but measured once, so a value nested
    from itself (``[a, a]`` of ``[b, b]`` of ...) is measured quickly however large its
    text would be.
    """
    return _measure(value, budget, {})


def _measure(value: Any, budget: int, memo: dict[int, int]) -> int:
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
    memo[key] = 5  # met again inside itself: its text is "[...]" or "{...}"
    total = 2
    for item in items:
        total += _measure(item, budget - total, memo) + 2
        if total > budget:
            break
    # Over budget, the measure is partial; it is never read again: every container
    # above is over its own budget too, and stops.
    memo[key] = total
    return total


def _namespace_attrs(value: Any) -> dict[str, Any] | None:
    """The values of a Jinja ``namespace()``, which Jinja keeps in a private attribute."""
    try:
        attrs: dict[str, Any] = object.__getattribute__(value, "_Namespace__attrs")
    except AttributeError:
        return None
    return attrs


def shallow(value: Any) -> int:
    """The length of a value just built (its items, not theirs); 0 for other values."""
    if isinstance(value, (str, bytes, bytearray, list, tuple, dict, set, frozenset)):
        return len(value)
    return 0


# --- refusing -----------------------------------------------------------------------------


def check_size(estimate: int, what: str) -> None:
    if estimate > MAX_VALUE_SIZE:
        raise limits.value_limit(f"{what} would make about {amount(estimate)}")


def check_result(value: Any, what: str) -> Any:
    """A value an operator, call or filter made: its size, counted in the render's work."""
    length = shallow(value)
    if length > MAX_VALUE_SIZE:
        raise limits.value_limit(f"{what} made {length:,}")
    if is_int(value) and value.bit_length() > MAX_INT_BITS:
        raise limits.int_limit(f"{what} made an int of {value.bit_length():,} bits")
    limits.count(length)
    return value


def check_stored(value: Any, what: str) -> None:
    """A value stored in a namespace: its whole size, which may not grow unbounded."""
    if is_int(value) and value.bit_length() > MAX_INT_BITS:
        raise limits.int_limit(f"{what} would hold an int of {value.bit_length():,} bits")
    text = size(value)
    if text > MAX_VALUE_SIZE:
        raise limits.value_limit(f"{what} would hold {describe(value)}, about {text:,} as text")


def check_output(value: Any) -> Any:
    """``finalize``: every ``{{ }}`` value, before it becomes text."""
    if isinstance(value, str):
        return value  # text is output as it is: nothing new is built
    text = size(value)
    if text > MAX_VALUE_SIZE:
        raise limits.value_limit(f"an output value of {describe(value)} is about {text:,} as text")
    limits.count(text)
    return value


def check_repeat(sequence: Any, times: Any) -> None:
    """``sequence * times``, before it is built (a count below 1 makes it empty)."""
    if isinstance(sequence, (str, bytes, list, tuple)) and is_int(times):
        check_size(len(sequence) * times, f"{describe(sequence)} * {amount(times)}")


# --- estimates ----------------------------------------------------------------------------


def number(digits: str) -> int:
    """A width or precision written in a format; absurdly long ones count as huge."""
    return int(digits) if len(digits) <= _MOST_DIGITS else _HUGE


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?(.?)", re.S)


def percent_size(fmt: str, args: Any, escaped: bool = False) -> int:
    """An upper bound of ``len(fmt % args)`` (``escaped``: each value HTML-escaped)."""
    if isinstance(args, Mapping):
        values = list(args.values())
    elif isinstance(args, tuple):
        values = list(args)
    else:
        values = [args]
    biggest = max((size(v) for v in values), default=0) * (6 if escaped else 1)
    star = max((abs(v) for v in values if type(v) is int), default=0)
    total = len(fmt)
    for match in _PERCENT_SPEC.finditer(fmt):
        width, precision, conversion = match.groups()
        if conversion == "%":
            continue
        for digits in (width, precision):
            if digits == "*":
                total += star
            elif digits:
                total += number(digits)
        total += biggest
    return total


def format_field_size(value: Any, format_spec: str) -> int:
    """About how long a ``str.format`` field is: its value and the numbers of its spec."""
    return size(value) + sum(number(digits) for digits in re.findall(r"\d+", format_spec))


def arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str) -> Any:
    """The argument at ``index``, else the keyword ``name`` (None when neither)."""
    if len(args) > index:
        return args[index]
    return kwargs.get(name)


def width(value: Any) -> int:
    """A width given as a number, or as text (its length); 0 for anything else."""
    if is_int(value):
        return int(value)
    if isinstance(value, str):
        return len(value)
    return 0


def replace_size(text: Any, old: Any, new: Any, count: Any) -> int:
    """The length of ``text.replace(old, new, count)``; 0 when the types do not match."""
    if not (isinstance(text, (str, bytes)) and isinstance(old, type(text))):
        return 0
    if not isinstance(new, type(text)):
        return 0
    counter: Callable[[Any], int] = text.count
    occurrences = len(text) + 1 if not old else counter(old)
    if is_int(count) and count >= 0:
        occurrences = min(occurrences, count)
    return len(text) + occurrences * max(0, len(new) - len(old))


def join_size(separator: Any, items: list[Any]) -> int:
    """About how long ``separator.join(items)`` is; counting stops past the value limit."""
    total = size(separator) * max(0, len(items) - 1)
    for item in items:
        total += size(item, MAX_VALUE_SIZE - total)
        if total > MAX_VALUE_SIZE:
            break
    return total
