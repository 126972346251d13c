"""The sandbox: Jinja's immutable sandboxed environment, held to the limits through its hooks.

Jinja's hooks do the intercepting: ``intercepted_binops`` and ``call_binop`` (``*``,
``**``, ``%``, ``+``), ``call`` (methods, globals, ``str.format``), ``getattr`` and
``getitem`` (the clock), ``finalize`` (every ``{{ }}`` value), ``concat`` (blocks);
Jinja's own ``safe_range`` refuses long ranges. Where no hook exists, the compiled
template's ``~`` helpers and the filters are wrapped. Each check sizes what would be
built before building it (:mod:`.sizes`). :func:`compile_template` also refuses a
template too long or too deeply looped; :func:`generate` streams the output within the
render's budget (:mod:`.limits`). jinja2 is imported on the first compile, never before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from functools import cache, lru_cache, wraps
from itertools import chain
from typing import Any, Callable

from . import filters, limits
from .loops import loop_depth
from .sizes import (
    amount,
    arg,
    check_output,
    check_repeat,
    check_result,
    check_size,
    check_stored,
    describe,
    format_field_size,
    is_int,
    join_size,
    percent_size,
    replace_size,
    size,
    width,
)


@lru_cache(maxsize=64)
def compile_template(text: str) -> Any:
    """The template of ``text``, its size and loop nesting checked first."""
    limits.check_template_size(text)
    env = _environment()
    tree = env.parse(text)
    limits.check_loop_depth(loop_depth(tree))
    template = env.from_string(tree)
    # Jinja 3.0 compiled code joins text with module-level helpers; 3.1 uses
    # environment.concat (overridden below) for blocks and these for "~".
    namespace = template.root_render_func.__globals__
    for helper in ("concat", "str_join", "markup_join"):
        if helper in namespace:
            namespace[helper] = _checked_join(namespace[helper])
    return template


def generate(template: Any, variables: Mapping[str, Any], seconds: float) -> str:
    """Stream the output within ``seconds`` and the output size limit."""
    chunks: list[str] = []
    total = 0
    stream = template.generate(**variables)
    try:
        with limits.budget(seconds):
            for chunk in stream:
                total += len(chunk)
                limits.check_output_size(total)
                chunks.append(chunk)
    finally:
        stream.close()
    return "".join(chunks)


def _checked_join(join: Callable[[Any], str]) -> Callable[[Any], str]:
    """``~``, ``{% set %}`` blocks, macro and filter block bodies: size the parts first."""

    @wraps(join)
    def joined(parts: Iterable[Any]) -> str:
        limits.tick()
        items = list(parts)
        total = 0
        for item in items:
            total += len(item) if isinstance(item, str) else size(item)
            if total > limits.MAX_VALUE_SIZE:
                raise limits.value_limit(
                    f"joining {len(items):,} pieces of text would make more than that"
                )
        limits.count(total)
        return check_result(join(items), "joining text")

    return joined


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "*":
        check_repeat(left, right)
        check_repeat(right, left)
        if is_int(left) and is_int(right):
            bits = left.bit_length() + right.bit_length()
            if bits > limits.MAX_INT_BITS:
                raise limits.int_limit(f"{describe(left)} * {describe(right)} would have {bits:,}")
    elif operator == "**":
        if is_int(left) and is_int(right) and abs(left) > 1:
            # |left| >= 2, so the result has at least ``right`` bits (a fraction when
            # ``right`` is negative: then ``bits`` is too)
            huge = right > limits.MAX_INT_BITS
            bits = right if huge else int(right * math.log2(abs(left))) + 1
            if bits > limits.MAX_INT_BITS:
                raise limits.int_limit(
                    f"{describe(left)} ** {amount(right)} would have about {amount(bits)}"
                )
    elif operator == "%":
        if isinstance(left, str):
            escaped = hasattr(left, "__html__")
            check_size(percent_size(left, right, escaped), "a '%' format")
    elif operator == "+" and _is_sequence(left) and _is_sequence(right):
        check_size(len(left) + len(right), f"{describe(left)} + {describe(right)}")


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (str, list, tuple))


def _bound_self(obj: Any) -> Any:
    """The object a method is bound to; None for functions."""
    owner = getattr(obj, "__self__", None)
    if owner is None and hasattr(obj, "__wrapped__"):
        # Jinja >= 3.1.5 hands templates str.format wrapped, the method as __wrapped__
        owner = getattr(obj.__wrapped__, "__self__", None)
    return owner


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Refuse a call whose result would be too large; the arguments, maybe materialized."""
    import jinja2.utils

    for value in chain(args, kwargs.values()):
        if isinstance(value, (str, bytes)) and len(value) > limits.MAX_VALUE_SIZE:
            raise limits.value_limit(f"a call got an argument of {len(value):,} characters")
    owner = _bound_self(obj)
    name = getattr(obj, "__name__", None)
    if isinstance(owner, (str, bytes)):
        return _check_text_method(owner, name, args, kwargs)
    if isinstance(owner, int) and name == "to_bytes":
        check_size(width(arg(args, kwargs, 0, "length")), "int.to_bytes()")
    elif obj is jinja2.utils.generate_lorem_ipsum:
        paragraphs = width(arg(args, kwargs, 0, "n") or 5)
        words = width(arg(args, kwargs, 3, "max") or 100)
        # the longest lorem ipsum word has 12 letters; a paragraph has its html tags (a
        # negative maximum fails in lipsum itself)
        check_size(max(paragraphs, 0) * (words * 13 + 10), "lipsum()")
    return args


def _check_text_method(
    owner: Any, name: str | None, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Methods of str and bytes whose result can be much larger than the text and arguments."""
    what = f"{type(owner).__name__}.{name}()"
    # their arguments are positional only, but for expandtabs (and replace's count
    # since Python 3.13: without it, every occurrence counts)
    first, second, third = (*args, None, None, None)[:3]
    if name in ("center", "ljust", "rjust", "zfill"):
        check_size(max(len(owner), width(first)), what)
    elif name == "expandtabs":
        tabsize = width(arg(args, kwargs, 0, "tabsize"))
        tabs = owner.count("\t" if isinstance(owner, str) else b"\t")
        check_size(len(owner) + tabs * max(tabsize, 8), what)
    elif name == "replace":
        check_size(replace_size(owner, first, second, third), what)
    elif name == "join" and args:
        items = list(first)
        check_size(join_size(owner, items), what)
        args = (items, *args[1:])
    elif name == "translate" and isinstance(first, Mapping):
        # a character becomes at most its longest replacement, else stays one
        biggest = max([1, *(size(v) for v in first.values())])
        check_size(len(owner) * biggest, what)
    return args


def _format_call(env: Any, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``text.format(...)`` and ``text.format_map(...)``, through the sandbox's formatter
    with a size check on every field (nested widths included); None when ``obj`` is no
    such method. (Jinja's own hook for them, ``format_string`` before 3.1.5 and
    ``wrap_str_format`` since, picks its formatter class itself.)"""
    owner = _bound_self(obj)
    name = getattr(obj, "__name__", None)
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
        field = format_field_size(value, format_spec)
        self._sized_total += field + 2
        check_size(max(field, self._sized_total), f"a format field '{{:{format_spec[:20]}}}'")
        return super().format_field(value, format_spec)  # type: ignore[misc]


@cache
def _formatter_classes() -> tuple[Any, Any]:
    import jinja2.sandbox

    plain = type("_SizedFormatter", (_SizedFormat, jinja2.sandbox.SandboxedFormatter), {})
    escape = type(
        "_SizedEscapeFormatter", (_SizedFormat, jinja2.sandbox.SandboxedEscapeFormatter), {}
    )
    return plain, escape


@cache
def _environment() -> Any:
    import jinja2
    import jinja2.sandbox
    import jinja2.utils

    from .renderer import md_escape

    class _Namespace(jinja2.utils.Namespace):
        """``namespace()``: a value stored in it may not exceed the size limits."""

        def __init__(*args: Any, **kwargs: Any) -> None:  # no self: "self" may be a key
            self, values = args[0], dict(*args[1:], **kwargs)
            for name, value in values.items():
                check_stored(value, f"namespace attribute '{name}'")
            jinja2.utils.Namespace.__init__(self, values)

        def __setitem__(self, name: str, value: Any) -> None:
            check_stored(value, f"namespace attribute '{name}'")
            super().__setitem__(name, value)

    class _Environment(jinja2.sandbox.ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**", "%", "+"])
        # Jinja 3.1+: blocks, macros and filter blocks join their output with this.
        concat = staticmethod(_checked_join("".join))

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            limits.tick()
            _check_binop(operator, left, right)
            result = super().call_binop(context, operator, left, right)
            return check_result(result, f"'{operator}'")

        def getattr(self, obj: Any, attribute: str) -> Any:
            limits.tick()
            return super().getattr(obj, attribute)

        def getitem(self, obj: Any, argument: Any) -> Any:
            limits.tick()
            return super().getitem(obj, argument)

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            limits.tick()
            result = _format_call(self, obj, args, kwargs)
            if result is None:
                args = _check_call(obj, args, kwargs)
                try:
                    result = super().call(context, obj, *args, **kwargs)
                except OverflowError:
                    if obj is not jinja2.sandbox.safe_range:
                        raise
                    raise _range_limit(args) from None
            return check_result(result, f"calling {getattr(obj, '__name__', 'a function')}")

    env = _Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        finalize=check_output,
    )
    env.globals["namespace"] = _Namespace
    env.filters["md"] = md_escape
    env.filters = filters.wrap_filters(env, env.filters)
    return env


def _range_limit(args: tuple[Any, ...]) -> limits.LimitExceeded:
    """Jinja's ``safe_range`` refused a range longer than its ``MAX_RANGE``."""
    import jinja2.sandbox

    return limits.LimitExceeded(
        "range size",
        f"{jinja2.sandbox.MAX_RANGE:,} items (the sandbox's MAX_RANGE)",
        f"range({', '.join(amount(number) for number in args)}) has more",
    )
