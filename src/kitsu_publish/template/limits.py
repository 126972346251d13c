"""The sandbox's limits: their values, the error that reports one, and one render's budget.

Every limit a template exceeds raises :class:`LimitExceeded`, which the renderer turns
into a :class:`~kitsu_publish.errors.TemplateError`. The budget of one render
(:class:`Budget`) is its clock and its work count: the clock is read on every line of
compiled template code (a ``sys.settrace`` function active only in template frames)
and from the sandbox's hooks; the work count adds up the size of every value the hooks
see being built.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Callable

from ..text import MAX_COMMENT_CHARS

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
#: Largest indent the tojson filter may use, in spaces.
MAX_JSON_INDENT = 16

#: The file name Jinja gives code compiled from a string: the frames the clock traces.
TEMPLATE_FILENAME = "<template>"


class LimitExceeded(BaseException):
    """A template limit was hit: which (``limit``), its value and what went over (``detail``).

    A BaseException, so that no ``except Exception`` in jinja2 or a filter swallows it.
    """

    def __init__(self, limit: str, value: str, detail: str) -> None:
        super().__init__(limit, value, detail)
        self.limit = limit
        self.value = value
        self.detail = detail


def value_limit(detail: str) -> LimitExceeded:
    return LimitExceeded(
        "value size", f"{MAX_VALUE_SIZE:,} characters or items (MAX_VALUE_SIZE)", detail
    )


def int_limit(detail: str) -> LimitExceeded:
    return LimitExceeded("integer size", f"{MAX_INT_BITS:,} bits (MAX_INT_BITS)", detail)


def check_template_size(text: str) -> None:
    if len(text) > MAX_TEMPLATE_CHARS:
        raise LimitExceeded(
            "template size",
            f"{MAX_TEMPLATE_CHARS:,} characters (MAX_TEMPLATE_CHARS)",
            f"it has {len(text):,}",
        )


def check_loop_depth(depth: int) -> None:
    if depth > MAX_LOOP_DEPTH:
        raise LimitExceeded(
            "loop nesting",
            f"{MAX_LOOP_DEPTH} nested loops (MAX_LOOP_DEPTH)",
            f"its {{% for %}} loops nest {depth} deep (counting the loops of macros "
            "called inside loops, and recursion as one more level)",
        )


def check_output_size(total: int) -> None:
    if total > MAX_COMMENT_CHARS:
        raise LimitExceeded(
            "output size",
            f"{MAX_COMMENT_CHARS:,} characters (MAX_COMMENT_CHARS)",
            f"it rendered {total:,} characters before it was stopped",
        )


class Budget:
    """One render's clock and work count.

    Only frames of compiled template code get the line tracer, which reads the clock on
    every line: a line runs one bounded operation (the value limits keep each one
    small), so the render stops within milliseconds of the deadline.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.built = 0

    def trace(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        """The global tracer: the line tracer for template frames, whose first line comes
        right after this call."""
        return self.line if frame.f_code.co_filename == TEMPLATE_FILENAME else None

    def line(self, frame: FrameType, event: str, arg: Any) -> Callable[..., Any] | None:
        self.check()
        return self.line

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise LimitExceeded(
                "render time",
                f"{self.seconds:g} seconds (RENDER_SECONDS)",
                "it was stopped; look for loops that run too often or a macro that calls itself",
            )

    def add(self, size: int) -> None:
        self.built += size
        if self.built > MAX_RENDER_CHARS:
            raise LimitExceeded(
                "render work",
                f"{MAX_RENDER_CHARS:,} characters or items built in all (MAX_RENDER_CHARS)",
                "its loops, macros or blocks build too many values",
            )


_state = threading.local()


@contextmanager
def budget(seconds: float) -> Iterator[Budget]:
    """Run the code of the ``with`` block as one render of ``seconds`` at most.

    Raising from a trace function ends tracing: the previous trace function (a
    debugger's, coverage's) is put back in any case, and so is the budget of a render
    this one runs inside.
    """
    current = Budget(seconds)
    outer = getattr(_state, "budget", None)
    _state.budget = current
    previous = sys.gettrace()
    sys.settrace(current.trace)
    try:
        yield current
    finally:
        sys.settrace(previous)
        _state.budget = outer


def tick() -> None:
    """Check the render's clock from the sandbox's own hooks (calls, operators, joins).

    The line tracer can be switched off behind our back: Python drops a thread's trace
    function when it raises where the exception cannot propagate (a generator of an
    earlier render closed by the garbage collector during this one). So the hooks
    check the clock too, and put the tracer back for the frames still to come.
    """
    current = getattr(_state, "budget", None)
    if current is not None:
        current.check()
        if sys.gettrace() is None:
            sys.settrace(current.trace)


def count(size: int) -> None:
    """Add ``size`` characters or items to the work of the render running in this thread."""
    current = getattr(_state, "budget", None)
    if current is not None:
        current.add(size)
