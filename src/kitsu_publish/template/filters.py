"""Filters behind size checks: a filter call whose result would be too large is refused.

Jinja has no hook around filter calls, so every filter of the sandbox is wrapped: its
input and arguments are sized first (a filter that turns its input into text may not
get one whose text is too large; ``center``, ``indent``, ``format``... estimate their
result), its result is checked and counted after.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import wraps
from itertools import chain
from typing import Any, Callable

from . import limits
from .sizes import (
    arg,
    check_result,
    check_size,
    join_size,
    percent_size,
    replace_size,
    size,
    width,
)

# Filters that do not turn their input into text; the others may not get a value whose
# text would exceed MAX_VALUE_SIZE.
STRUCTURAL_FILTERS = frozenset(
    [
        *("abs", "attr", "batch", "count", "d", "default", "dictsort", "first", "float"),
        *("groupby", "int", "items", "join", "last", "length", "list", "map", "max", "min"),
        *("random", "reject", "rejectattr", "reverse", "round", "select", "selectattr"),
        *("slice", "sort", "sum", "unique"),
    ]
)


def wrap_filters(env: Any, filters: Mapping[str, Callable[..., Any]]) -> dict[str, Any]:
    """Every filter of ``filters`` behind the size checks."""
    return {name: _wrap(env, name, func) for name, func in filters.items()}


def _wrap(env: Any, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter behind size checks; always ``pass_context``, which also keeps Jinja from
    running it at compile time (constant folding) where no limit applies."""
    import jinja2

    kind = getattr(getattr(func, "jinja_pass_arg", None), "name", None)

    @wraps(func)
    def checked(context: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
        value = _check_filter(env, name, value, args, kwargs)
        if name == "sum":
            value = list(value)
            summed = _sum_sequences(context.environment, value, args, kwargs)
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
        return check_result(result, f"the {name} filter")

    # After @wraps, which copied the original's pass_* mark.
    return jinja2.pass_context(checked)


def _check_filter(
    env: Any, name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """Refuse a filter call whose result would be too large; the value, maybe materialized."""
    what = f"the {name} filter"
    if name not in STRUCTURAL_FILTERS:
        check_size(size(value), f"{what}'s input, as text,")
    for argument in chain(args, kwargs.values()):
        if isinstance(argument, (str, bytes)) and len(argument) > limits.MAX_VALUE_SIZE:
            raise limits.value_limit(f"{what} got an argument of {len(argument):,} characters")
    if name == "center":
        check_size(width(arg(args, kwargs, 0, "width")), what)
    elif name == "indent":
        indent = width(arg(args, kwargs, 0, "width"))
        lines = str(value).count("\n") + 1
        check_size(size(value) + lines * max(indent, 4), what)
    elif name == "wordwrap":
        wrapstring = arg(args, kwargs, 2, "wrapstring")
        check_size(size(value) * (1 + width(wrapstring or "\n")), what)
    elif name == "format":
        check_size(percent_size(str(value), kwargs or args), what)
    elif name == "replace":
        old, new, count = (arg(args, kwargs, i, n) for i, n in enumerate(("old", "new", "count")))
        check_size(replace_size(str(value), old, new, count), what)
    elif name == "join":
        value = list(value)
        parts = value
        attribute = arg(args, kwargs, 1, "attribute")
        if attribute is not None:
            parts = [_getter(env, attribute)(item) for item in value]
        check_size(join_size(arg(args, kwargs, 0, "d") or "", parts), what)
    elif name in ("slice", "batch"):
        check_size(width(arg(args, kwargs, 0, "slices" if name == "slice" else "linecount")), what)
    elif name == "tojson":
        indent = width(arg(args, kwargs, 0, "indent"))
        if indent > limits.MAX_JSON_INDENT:
            raise limits.value_limit(
                f"{what} indent of {indent:,} is over {limits.MAX_JSON_INDENT}"
            )
    elif name == "urlize":
        # urlize(trim_url_limit, nofollow, target, rel, ...): every link gets the last two
        extra = sum(width(arg(args, kwargs, i, n)) for i, n in ((2, "target"), (3, "rel")))
        text = size(value)
        check_size(3 * text + (text // 4 + 1) * (64 + extra), what)
    elif name == "truncate":
        end = arg(args, kwargs, 2, "end")
        check_size(size(value) + width(end if end is not None else "..."), what)
    return value


def _getter(env: Any, attribute: Any) -> Callable[[Any], Any]:
    import jinja2.filters

    return jinja2.filters.make_attrgetter(env, attribute)


def _sum_sequences(
    env: Any, values: list[Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """The sum filter, linear when it adds lists or tuples (Python's sum is quadratic);
    None when it is no such sum."""
    start = arg(args, kwargs, 1, "start")
    if not isinstance(start, (list, tuple)):
        return None
    attribute = arg(args, kwargs, 0, "attribute")
    items = values if attribute is None else [_getter(env, attribute)(v) for v in values]
    if not all(type(item) is type(start) for item in items):
        return None
    check_size(len(start) + sum(len(item) for item in items), "the sum filter")
    return type(start)(chain(start, *items))
