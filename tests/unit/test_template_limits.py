"""The template's limits, each tested at its line: exactly at the limit renders, one past is
refused, with the limit's name, value and what went over (docs/settings.md, "Limits").

Far-past-the-line templates are in test_template_hostile.py; the size estimates behind
the value limit, one by one, in test_template_sizes.py.
"""

from __future__ import annotations

import re
import sys
import time
from typing import Any, NamedTuple

import pytest

from kitsu_publish import template
from kitsu_publish.errors import TemplateError
from kitsu_publish.template import (
    MAX_INT_BITS,
    MAX_LOOP_DEPTH,
    MAX_RENDER_CHARS,
    MAX_TEMPLATE_CHARS,
    MAX_VALUE_SIZE,
)
from kitsu_publish.text import MAX_COMMENT_CHARS

WHERE = "task P / SH010 / Animation"


class Refusal(NamedTuple):
    """The fields of a limit's TemplateError: which limit, its value, what went over."""

    limit: str
    value: str
    detail: str


def refusal_of(error: TemplateError) -> Refusal:
    message = str(error)
    suffix = f" ({WHERE})"
    assert message.endswith(suffix), message
    found = re.fullmatch(
        r"the comment template exceeds the (.+?) limit of (.+?): (.*)",
        message[: -len(suffix)],
        re.S,
    )
    assert found, message
    return Refusal(*found.groups())


def refused(text: str, **variables: Any) -> Refusal:
    with pytest.raises(TemplateError) as info:
        template.render(text, "jinja", variables, where=WHERE)
    return refusal_of(info.value)


def jinja(text: str, **variables: Any) -> str:
    return template.render(text, "jinja", variables, where=WHERE)


VALUE = "1,000,000 characters or items (MAX_VALUE_SIZE)"
INT = "10,000 bits (MAX_INT_BITS)"
WORK = "10,000,000 characters or items built in all (MAX_RENDER_CHARS)"


def value_refusal(detail: str) -> Refusal:
    return Refusal("value size", VALUE, detail)


def test_the_limits_have_their_documented_values():
    assert MAX_VALUE_SIZE == 10 * MAX_COMMENT_CHARS == 1_000_000
    assert MAX_RENDER_CHARS == 100 * MAX_COMMENT_CHARS == 10_000_000
    assert MAX_INT_BITS == 10_000
    assert MAX_LOOP_DEPTH == 3
    assert MAX_TEMPLATE_CHARS == 50_000
    assert template.PLAIN_MAX_DEPTH == 8
    assert template.PLAIN_MAX_ITEMS == 10_000


# --- template size ------------------------------------------------------------------------


def test_template_text_at_the_size_limit_renders():
    text = "{{ comment }}" + "x" * (MAX_TEMPLATE_CHARS - 13)
    assert len(text) == MAX_TEMPLATE_CHARS
    assert jinja(text, comment="c") == "c" + "x" * (MAX_TEMPLATE_CHARS - 13)


def test_template_text_one_character_past_the_size_limit_is_refused():
    assert refused("x" * (MAX_TEMPLATE_CHARS + 1)) == Refusal(
        "template size", "50,000 characters (MAX_TEMPLATE_CHARS)", "it has 50,001"
    )


# --- loop nesting -------------------------------------------------------------------------


def loops(depth: int, body: str = "", recursive: bool = False) -> str:
    """``depth`` nested loops over ``x`` around ``body``."""
    head = "".join(f"{{% for v{n} in x %}}" for n in range(depth))
    return head + body + "{% endfor %}" * depth


LOOP_DEPTH = "3 nested loops (MAX_LOOP_DEPTH)"
MACRO_WITH_A_LOOP = "{% macro m() %}{% for a in x %}{{ a }}{% endfor %}{% endmacro %}"
MACRO_WITH_TWO_LOOPS = (
    "{% macro m2() %}{% for a in x %}{% for b in x %}{% endfor %}{% endfor %}{% endmacro %}"
)


def nest_refusal(depth: int) -> Refusal:
    return Refusal(
        "loop nesting",
        LOOP_DEPTH,
        f"its {{% for %}} loops nest {depth} deep (counting the loops of macros called "
        "inside loops, and recursion as one more level)",
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("three loops", loops(3, "{{ v2 }}")),
        ("a macro's loop in two loops", MACRO_WITH_A_LOOP + loops(2, "{{ m() }}")),
        (
            "a macro's loop called twice in two loops",
            MACRO_WITH_A_LOOP + loops(2, "{{ m() }}" * 2),
        ),
        ("a macro's two loops in one loop", MACRO_WITH_TWO_LOOPS + loops(1, "{{ m2() }}")),
        ("an empty macro in three loops", "{% macro e() %}{% endmacro %}" + loops(3, "{{ e() }}")),
        (
            "a macro without loops in three loops",
            "{% macro t() %}t{% endmacro %}" + loops(3, "{{ t() }}"),
        ),
        ("a macro with four loops never called", "{% macro n() %}" + loops(4) + "{% endmacro %}"),
        ("a function that is no macro in three loops", loops(3, "{{ f() }}")),
        ("a method in three loops", loops(3, "{{ 'a'.upper() }}")),
        ("a recursive loop in one loop", loops(1, "{% for y in x recursive %}{% endfor %}")),
        (
            "a macro calling itself in two loops",
            "{% macro s(n) %}{% if n %}{{ s(n - 1) }}{% endif %}{% endmacro %}"
            + loops(2, "{{ s(1) }}"),
        ),
        (
            "macros calling each other in two loops",
            "{% macro p(n) %}{% if n %}{{ q(n - 1) }}{% endif %}{% endmacro %}"
            "{% macro q(n) %}{% if n %}{{ p(n - 1) }}{% endif %}{% endmacro %}"
            + loops(2, "{{ p(2) }}"),
        ),
        (
            "a macro's loop in a loop's iterable",
            MACRO_WITH_A_LOOP + loops(2, loops(1).replace("in x", "in m()")),
        ),
        (
            "a macro's loop in the test of the second loop",
            MACRO_WITH_A_LOOP + "{% for a in x %}{% for b in x if m() %}{% endfor %}{% endfor %}",
        ),
        (
            "two loops in the else of the second loop",
            loops(1, "{% for b in x %}{% else %}" + loops(2) + "{% endfor %}"),
        ),
        (
            "two loops in a call block of a macro's loop",
            "{% macro c() %}{% for a in x %}{{ caller() }}{% endfor %}{% endmacro %}"
            "{% call c() %}" + loops(2) + "{% endcall %}",
        ),
        (
            "three loops in a call block of a function",
            "{% call f() %}" + loops(3) + "{% endcall %}",
        ),
        (
            "a macro's two loops in a call block's call, in a loop",
            MACRO_WITH_TWO_LOOPS + loops(1, "{% call f(m2()) %}{% endcall %}"),
        ),
        (
            "a macro defined twice, the longer with two loops, in one loop",
            "{% macro d() %}{% endmacro %}{% macro d() %}"
            + loops(2)
            + "{% endmacro %}"
            + loops(1, "{{ d() }}"),
        ),
    ],
)
def test_loop_nesting_at_the_limit_renders(name, text):
    jinja(text, x=[1], f=lambda *args, caller=None: caller() if caller else "")


@pytest.mark.parametrize(
    ("name", "text", "depth"),
    [
        ("four loops", loops(4), 4),
        ("a macro's loop in three loops", MACRO_WITH_A_LOOP + loops(3, "{{ m() }}"), 4),
        ("a macro's two loops in two loops", MACRO_WITH_TWO_LOOPS + loops(2, "{{ m2() }}"), 4),
        (
            "a macro's two loops inside a macro, in two loops",
            MACRO_WITH_TWO_LOOPS
            + "{% macro o() %}{{ m2() }}{% endmacro %}"
            + loops(2, "{{ o() }}"),
            4,
        ),
        ("a recursive loop in two loops", loops(2, "{% for y in x recursive %}{% endfor %}"), 4),
        (
            "a macro calling itself in three loops",
            "{% macro s(n) %}{% if n %}{{ s(n - 1) }}{% endif %}{% endmacro %}"
            + loops(3, "{{ s(1) }}"),
            4,
        ),
        (
            "a macro calling itself inside a loop, in two loops",
            "{% macro s(n) %}{% for a in x %}{{ s(n) }}{% endfor %}{% endmacro %}"
            + loops(2, "{{ s(1) }}"),
            4,
        ),
        (
            "a macro's loop in a loop's iterable, in three loops",
            MACRO_WITH_TWO_LOOPS + loops(2, loops(1).replace("in x", "in m2()")),
            4,
        ),
        (
            "a macro's loop in the test of the third loop",
            MACRO_WITH_A_LOOP + loops(2, "{% for b in x if m() %}{% endfor %}"),
            4,
        ),
        (
            "three loops in the else of the second loop",
            loops(1, "{% for b in x %}{% else %}" + loops(3) + "{% endfor %}"),
            4,
        ),
        (
            "three loops in a call block of a macro's loop",
            "{% macro c() %}{% for a in x %}{{ caller() }}{% endfor %}{% endmacro %}"
            "{% call c() %}" + loops(3) + "{% endcall %}",
            4,
        ),
        (
            "four loops in a call block of a function",
            "{% call f() %}" + loops(4) + "{% endcall %}",
            4,
        ),
        (
            "four loops in a call block of an empty macro",
            "{% macro e() %}{% endmacro %}{% call e() %}" + loops(4) + "{% endcall %}",
            4,
        ),
        (
            "a macro's two loops in a call block's call, in two loops",
            MACRO_WITH_TWO_LOOPS + loops(2, "{% call f(m2()) %}{% endcall %}"),
            4,
        ),
        (
            "a macro defined twice, the longer with two loops, in two loops",
            "{% macro d() %}{% endmacro %}{% macro d() %}"
            + loops(2)
            + "{% endmacro %}"
            + loops(2, "{{ d() }}"),
            4,
        ),
        ("five loops", loops(5), 5),
    ],
)
def test_loop_nesting_one_past_the_limit_is_refused_before_rendering(name, text, depth):
    def never(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("rendered")

    assert refused(text, x=[1], f=never) == nest_refusal(depth)


def test_macros_calling_each_other_many_times_are_measured_quickly():
    text = "{% macro m0() %}{% for a in x %}{% endfor %}{% endmacro %}" + "".join(
        f"{{% macro m{n}() %}}{{{{ m{n - 1}() }}}}{{{{ m{n - 1}() }}}}{{% endmacro %}}"
        for n in range(1, 40)
    )
    start = time.perf_counter()
    assert jinja(text + "{% if false %}{{ m39() }}{% endif %}ok", x=[]) == "ok"
    assert time.perf_counter() - start < 1.0
    assert refused(text + loops(3, "{{ m39() }}"), x=[]) == nest_refusal(4)


# --- output size --------------------------------------------------------------------------


OUTPUT = "100,000 characters (MAX_COMMENT_CHARS)"


def test_output_at_the_size_limit_renders():
    assert jinja("{{ c * n }}", c="x", n=MAX_COMMENT_CHARS) == "x" * MAX_COMMENT_CHARS


def test_output_of_several_pieces_at_the_size_limit_renders():
    assert len(jinja("{{ a }}-{{ b }}", a="x" * 50_000, b="y" * 49_999)) == MAX_COMMENT_CHARS


def test_output_one_character_past_the_size_limit_is_refused():
    assert refused("{{ a }}-{{ b }}", a="x" * 50_000, b="y" * 50_000) == Refusal(
        "output size", OUTPUT, "it rendered 100,001 characters before it was stopped"
    )


def test_text_too_long_for_a_value_is_still_only_too_long_an_output():
    # a text is output as it is: no new value is built
    refusal = refused("{{ big }}", big="x" * (MAX_VALUE_SIZE + 1))
    assert refusal.limit == "output size"


def test_legacy_output_at_the_size_limit_renders():
    # the template's own text counts, the {key} included
    text = template.render("{a}", "legacy", {"a": "x" * (MAX_COMMENT_CHARS - 3)})
    assert len(text) == MAX_COMMENT_CHARS - 3


def test_legacy_output_one_past_the_size_limit_is_refused_naming_the_key():
    with pytest.raises(TemplateError) as info:
        template.render(
            "{a}{b}", "legacy", {"a": "x", "b": "y" * (MAX_COMMENT_CHARS - 6)}, where=WHERE
        )
    assert str(info.value) == (
        "the comment template exceeds the output size limit of 100,000 characters "
        f"(MAX_COMMENT_CHARS): it renders more than that by key '{{b}}' ({WHERE})"
    )


# --- value size: operators ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "variables", "length"),
    [
        ("{{ (s * n)|length }}", {"s": "ab", "n": 500_000}, 1_000_000),
        ("{{ (n * s)|length }}", {"s": "ab", "n": 500_000}, 1_000_000),
        ("{{ (s * n)|length }}", {"s": [0, 1], "n": 500_000}, 1_000_000),
        ("{{ ((0, 1) * n)|length }}", {"n": 500_000}, 1_000_000),
        ("{{ (s.encode() * n)|length }}", {"s": "ab", "n": 500_000}, 1_000_000),
        ("{{ (a + b)|length }}", {"a": "x" * 600_000, "b": "y" * 400_000}, 1_000_000),
        ("{{ (a + b)|length }}", {"a": [0] * 600_000, "b": [1] * 400_000}, 1_000_000),
        ("{{ (a + b)|length }}", {"a": (0,) * 600_000, "b": (1,) * 400_000}, 1_000_000),
        ("{{ (a ~ b)|length }}", {"a": "x" * 600_000, "b": "y" * 400_000}, 1_000_000),
        # an int counts as its digits: 5 has 3 bits, about 2 characters
        ("{{ (a ~ n)|length }}", {"a": "x" * 999_998, "n": 5}, 999_999),
        # a '%' format counts its own text, the width and the longest value
        ("{{ (f % s)|length }}", {"f": "%999992s", "s": ""}, 999_992),
    ],
)
def test_a_value_built_at_the_size_limit_renders(text, variables, length):
    assert jinja(text, **variables) == str(length)


@pytest.mark.parametrize(
    ("text", "variables", "detail"),
    [
        (
            "{{ s * n }}",
            {"s": "ab", "n": 500_001},
            "a str of length 2 * 500,001 would make about 1,000,002",
        ),
        (
            "{{ n * s }}",
            {"s": "ab", "n": 500_001},
            "a str of length 2 * 500,001 would make about 1,000,002",
        ),
        (
            "{{ s * n }}",
            {"s": [0, 1], "n": 500_001},
            "a list of length 2 * 500,001 would make about 1,000,002",
        ),
        (
            "{{ (0, 1) * n }}",
            {"n": 500_001},
            "a tuple of length 2 * 500,001 would make about 1,000,002",
        ),
        (
            "{{ s.encode() * n }}",
            {"s": "ab", "n": 500_001},
            "a bytes of length 2 * 500,001 would make about 1,000,002",
        ),
        (
            "{{ a + b }}",
            {"a": "x" * 600_000, "b": "y" * 400_001},
            "a str of length 600,000 + a str of length 400,001 would make about 1,000,001",
        ),
        (
            "{{ a + b }}",
            {"a": [0] * 600_000, "b": [1] * 400_001},
            "a list of length 600,000 + a list of length 400,001 would make about 1,000,001",
        ),
        (
            "{{ a + b }}",
            {"a": (0,) * 600_000, "b": (1,) * 400_001},
            "a tuple of length 600,000 + a tuple of length 400,001 would make about 1,000,001",
        ),
        (
            "{{ a ~ b }}",
            {"a": "x" * 600_000, "b": "y" * 400_001},
            "joining 2 pieces of text would make more than that",
        ),
        (
            "{{ a ~ n }}",
            {"a": "x" * 999_999, "n": 5},
            "joining 2 pieces of text would make more than that",
        ),
        (
            "{% autoescape true %}{{ a ~ b }}{% endautoescape %}",
            {"a": "x" * 600_000, "b": "y" * 400_001},
            "joining 2 pieces of text would make more than that",
        ),
        ("{{ f % s }}", {"f": "%999993s", "s": ""}, "a '%' format would make about 1,000,001"),
    ],
)
def test_a_value_one_past_the_size_limit_is_refused_before_it_is_built(text, variables, detail):
    assert refused(text, **variables) == value_refusal(detail)


def test_a_repeat_of_a_negative_count_is_empty():
    assert jinja("{{ s * n }}|{{ n * s }}", s="ab", n=-(10**9)) == "|"


def test_markup_formatted_with_percent_counts_each_value_six_times():
    # '%s' escaped is Markup: each value may grow six times ('"' -> '&#34;')
    assert jinja("{{ ((f|e) % s)|length }}", f="%s", s="x" * 166_666) == "166666"
    refusal = refused("{{ (f|e) % s }}", f="%s", s="x" * 166_667)
    assert refusal == value_refusal("a '%' format would make about 1,000,004")


def test_a_join_whose_text_outgrows_its_estimate_is_refused_once_made():
    # an int's text is estimated at 0.3 characters per bit and 2: 3,002 for 3,010 digits
    n = 2 ** (MAX_INT_BITS - 1)
    assert refused("{{ a ~ n }}", a="x" * (MAX_VALUE_SIZE - 3002), n=n) == value_refusal(
        "joining text made 1,000,008"
    )


def test_a_block_set_at_the_size_limit_renders():
    text = "{% set b %}{{ a }}{{ c }}{% endset %}{{ b|length }}"
    assert jinja(text, a="x" * 600_000, c="y" * 400_000) == "1000000"
    assert refused(text, a="x" * 600_000, c="y" * 400_001) == value_refusal(
        "joining 2 pieces of text would make more than that"
    )


# --- value size: calls --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["center", "ljust", "rjust", "zfill"])
def test_padding_methods_at_the_size_limit_render(method):
    assert jinja(f"{{{{ s.{method}(n)|length }}}}", s="1", n=MAX_VALUE_SIZE) == "1000000"
    assert refused(f"{{{{ s.{method}(n) }}}}", s="1", n=MAX_VALUE_SIZE + 1) == value_refusal(
        f"str.{method}() would make about 1,000,001"
    )


def test_padding_a_text_already_too_long_is_refused_before_it_is_copied():
    assert refused("{{ s.center(1) }}", s="x" * (MAX_VALUE_SIZE + 1)) == value_refusal(
        "str.center() would make about 1,000,001"
    )


def test_padding_bytes_is_sized_too():
    assert refused("{{ s.encode().center(n) }}", s="x", n=MAX_VALUE_SIZE + 1) == value_refusal(
        "bytes.center() would make about 1,000,001"
    )


@pytest.mark.parametrize(
    ("text", "variables", "detail"),
    [
        # 10 tabs of 99,999: 10 + 10 * 99,999 = 1,000,000
        ("{{ s.expandtabs(n)|length }}", {"s": "\t" * 10, "n": 99_999}, None),
        (
            "{{ s.expandtabs(n) }}",
            {"s": "\t" * 10, "n": 100_000},
            "str.expandtabs() would make about 1,000,010",
        ),
        (
            "{{ s.expandtabs(tabsize=n) }}",
            {"s": "\t" * 10, "n": 100_000},
            "str.expandtabs() would make about 1,000,010",
        ),
        # a tab counts as 8 at least: 111,111 * 9 = 999,999
        ("{{ s.expandtabs(2)|length }}", {"s": "\t" * 111_111}, None),
        (
            "{{ s.expandtabs(2) }}",
            {"s": "\t" * 111_112},
            "str.expandtabs() would make about 1,000,008",
        ),
        (
            "{{ s.expandtabs() }}",
            {"s": "\t" * 111_112},
            "str.expandtabs() would make about 1,000,008",
        ),
        ("{{ s.encode().expandtabs(n)|length }}", {"s": "\t" * 10, "n": 99_999}, None),
        (
            "{{ s.encode().expandtabs(n) }}",
            {"s": "\t" * 10, "n": 100_000},
            "bytes.expandtabs() would make about 1,000,010",
        ),
        # replace: 500,000 + 500,000 more
        ("{{ s.replace('a', 'bb')|length }}", {"s": "a" * 500_000}, None),
        (
            "{{ s.replace('a', 'bb') }}",
            {"s": "a" * 500_001},
            "str.replace() would make about 1,000,002",
        ),
        ("{{ s.replace('a', 'bb', 1)|length }}", {"s": "a" * 999_999}, None),
        (
            "{{ s.replace('a', 'bb', 1) }}",
            {"s": "a" * MAX_VALUE_SIZE},
            "str.replace() would make about 1,000,001",
        ),
        ("{{ s.join(p)|length }}", {"s": ",", "p": ["x" * 499_999, "y" * 500_000]}, None),
        (
            "{{ s.join(p) }}",
            {"s": ",", "p": ["x" * 500_000, "y" * 500_000]},
            "str.join() would make about 1,000,001",
        ),
        ("{{ s.translate({97: r})|length }}", {"s": "a" * 1000, "r": "b" * 1000}, None),
        (
            "{{ s.translate({97: r}) }}",
            {"s": "a" * 1001, "r": "b" * 1000},
            "str.translate() would make about 1,001,000",
        ),
        # a table of empty replacements still counts each character once
        ("{{ s.translate({97: ''})|length }}", {"s": "a" * MAX_VALUE_SIZE}, None),
        (
            "{{ s.translate({}) }}",
            {"s": "a" * (MAX_VALUE_SIZE + 1)},
            "str.translate() would make about 1,000,001",
        ),
        ("{{ (1).to_bytes(n, 'big')|length }}", {"n": MAX_VALUE_SIZE}, None),
        (
            "{{ (1).to_bytes(n, 'big') }}",
            {"n": MAX_VALUE_SIZE + 1},
            "int.to_bytes() would make about 1,000,001",
        ),
        (
            "{{ (1).to_bytes(length=n, byteorder='big') }}",
            {"n": MAX_VALUE_SIZE + 1},
            "int.to_bytes() would make about 1,000,001",
        ),
    ],
)
def test_text_methods_are_sized_before_they_run(text, variables, detail):
    if detail is None:
        assert int(jinja(text, **variables)) <= MAX_VALUE_SIZE
    else:
        assert refused(text, **variables) == value_refusal(detail)


def test_join_and_translate_still_work():
    assert jinja("{{ ', '.join(range(3)|map('string')) }}") == "0, 1, 2"
    with pytest.raises(TemplateError, match="failed to render: TypeError"):
        jinja("{{ ','.join(['a'], 'b') }}")
    assert jinja("{{ 'abc'.translate({97: 'xy', 98: none}) }}") == "xyc"
    assert jinja("{{ 'abc'.translate('') }}|{{ 'a-b'.replace('-', '+') }}") == "abc|a+b"


@pytest.mark.parametrize(
    ("call", "detail"),
    [
        # n paragraphs of at most ``max`` words of 12 letters and a space, plus 10 characters
        ("lipsum(4, max=19230)", None),  # 4 * (19,230 * 13 + 10) = 1,000,000
        ("lipsum(4, max=19231)", "lipsum() would make about 1,000,052"),
        ("lipsum(4, true, 20, 19231)", "lipsum() would make about 1,000,052"),
        ("lipsum(n=4, max=19231)", "lipsum() would make about 1,000,052"),
        ("lipsum(max=15383)", None),  # 5 paragraphs by default: 999,945
        ("lipsum(max=19230)", "lipsum() would make about 1,250,000"),
        ("lipsum(763)", None),  # 100 words by default: 763 * 1,310 = 999,530
        ("lipsum(764)", "lipsum() would make about 1,000,840"),
        ("lipsum(-1, max=10**9)", None),  # no paragraph at all
        ("lipsum(-1, max=-10**9)", None),
    ],
)
def test_lipsum_is_sized_before_it_runs(call, detail):
    if detail is None:
        assert int(jinja(f"{{{{ {call}|length }}}}")) <= MAX_VALUE_SIZE
    else:
        assert refused(f"{{{{ {call} }}}}") == value_refusal(detail)


def test_a_call_argument_at_the_size_limit_is_taken():
    assert jinja("{{ 'x'.count(big) }}", big="y" * MAX_VALUE_SIZE) == "0"


@pytest.mark.parametrize("text", ["{{ 'x'.count(big) }}", "{{ 'a b'.split(sep=big) }}"])
def test_a_call_argument_one_past_the_size_limit_is_refused(text):
    assert refused(text, big="y" * (MAX_VALUE_SIZE + 1)) == value_refusal(
        "a call got an argument of 1,000,001 characters"
    )


class Maker:
    """A callable without a ``__name__`` (an object, not a function)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self) -> Any:
        return self.value


def make(value: Any) -> Any:
    return value


def test_a_call_result_at_the_size_limit_is_taken():
    assert jinja("{{ f()|length }}", f=Maker("x" * MAX_VALUE_SIZE)) == "1000000"


@pytest.mark.parametrize(
    ("function", "refusal"),
    [
        (Maker("x" * (MAX_VALUE_SIZE + 1)), value_refusal("calling a function made 1,000,001")),
        (make, value_refusal("calling make made 1,000,001")),
        (
            lambda: 2**MAX_INT_BITS,
            Refusal("integer size", INT, "calling <lambda> made an int of 10,001 bits"),
        ),
    ],
)
def test_a_call_result_past_a_limit_is_refused(function, refusal):
    assert (
        refused(
            "{{ f(v) }}" if function is make else "{{ f() }}",
            f=function,
            v=["x"] * (MAX_VALUE_SIZE + 1),
        )
        == refusal
    )


def test_an_overflow_in_a_function_is_not_a_range_limit():
    def overflow() -> None:
        raise OverflowError("too far")

    with pytest.raises(TemplateError) as info:
        jinja("{{ f() }}", f=overflow)
    assert str(info.value) == (
        f"the comment template failed to render: OverflowError: too far ({WHERE})"
    )


# --- value size: str.format ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "variables", "detail"),
    [
        # a field counts its value, the numbers of its spec and 2
        ("{{ f.format('')|length }}", {"f": "{:>999998}"}, None),
        (
            "{{ f.format('') }}",
            {"f": "{:>999999}"},
            "a format field '{:>999999}' would make about 1,000,001",
        ),
        # fields add up: (499,998 + 2) * 2
        ("{{ f.format(s)|length }}", {"f": "{0}{0}", "s": "x" * 499_998}, None),
        (
            "{{ f.format(s) }}",
            {"f": "{0}{0}", "s": "x" * 499_999},
            "a format field '{:}' would make about 1,000,002",
        ),
        ("{{ f.format_map({'a': ''})|length }}", {"f": "{a:>999998}"}, None),
        (
            "{{ f.format_map({'a': ''}) }}",
            {"f": "{a:>999999}"},
            "a format field '{:>999999}' would make about 1,000,001",
        ),
        # a number of nine digits is read; a longer one counts as 10 ** 9
        ("{{ f.format(1) }}", {"f": "{:>000000005}"}, None),
        (
            "{{ f.format(1) }}",
            {"f": "{:>9999999999}"},
            "a format field '{:>9999999999}' would make about 1,000,000,004",
        ),
        (
            "{{ f.format(1) }}",
            {"f": "{:>00000000000000000000000000009}"},
            "a format field '{:>0000000000000000000}' would make about 1,000,000,004",
        ),
    ],
)
def test_format_fields_are_sized_before_they_are_built(text, variables, detail):
    if detail is None:
        jinja(text, **variables)
    else:
        assert refused(text, **variables) == value_refusal(detail)


def test_format_methods_still_format():
    assert jinja("{{ '{:>5}'.format(1) }}|{{ '{a}-{b}'.format_map({'a': 1, 'b': 2}) }}") == (
        "    1|1-2"
    )
    assert jinja("{{ f.format(1) }}", f="{:>000000005}") == "00001"


def test_format_of_markup_escapes_its_values():
    assert jinja("{{ ('<{}>'|e).format('<b>') }}") == "&lt;&lt;b&gt;&gt;"


def test_format_map_takes_exactly_one_mapping():
    with pytest.raises(TemplateError) as info:
        jinja("{{ '{a}'.format_map({'a': 1}, 2) }}")
    assert str(info.value) == (
        "the comment template failed to render: TypeError: format_map() takes exactly one "
        f"argument (2 given) ({WHERE})"
    )
    with pytest.raises(TemplateError, match="takes exactly one argument"):
        jinja("{{ '{a}'.format_map(a=1) }}")


# --- value size: namespace and output -------------------------------------------------------


# a list of text measures 2 + (length + 2) per item: 2 + 9,999 * 100 + 98 = 1,000,000
AT_THE_LIMIT = ["x" * 98] * 9_999 + ["x" * 96]
ONE_PAST = ["x" * 98] * 9_999 + ["x" * 97]


@pytest.mark.parametrize(
    "text",
    [
        "{% set ns = namespace(v=v) %}{{ ns.v|length }}",
        "{% set ns = namespace({'v': v}) %}{{ ns.v|length }}",
        "{% set ns = namespace() %}{% set ns.v = v %}{{ ns.v|length }}",
    ],
)
def test_a_namespace_value_at_the_size_limit_is_stored(text):
    assert jinja(text, v=AT_THE_LIMIT) == "10000"


@pytest.mark.parametrize(
    "text",
    [
        "{% set ns = namespace(v=v) %}",
        "{% set ns = namespace({'v': v}) %}",
        "{% set ns = namespace() %}{% set ns.v = v %}",
    ],
)
def test_a_namespace_value_one_past_the_size_limit_is_refused(text):
    assert refused(text, v=ONE_PAST) == value_refusal(
        "namespace attribute 'v' would hold a list of length 10,000, about 1,000,001 as text"
    )


def test_a_namespace_int_at_the_size_limit_is_stored():
    text = "{% set ns = namespace(a=n) %}{% set ns.b = n %}{{ ns.a == ns.b }}"
    assert jinja(text, n=2 ** (MAX_INT_BITS - 1)) == "True"


@pytest.mark.parametrize(
    "text", ["{% set ns = namespace(a=n) %}", "{% set ns = namespace() %}{% set ns.a = n %}"]
)
def test_a_namespace_int_one_bit_past_the_limit_is_refused(text):
    assert refused(text, n=2**MAX_INT_BITS) == Refusal(
        "integer size", INT, "namespace attribute 'a' would hold an int of 10,001 bits"
    )


class Quiet(dict):
    """A mapping whose text is empty: its size as a value is still its items'."""

    def __str__(self) -> str:
        return ""


def test_an_output_value_at_the_size_limit_is_output():
    # 2 + (999,994 + 2) + (0 + 2) = 1,000,000
    assert jinja("[{{ v }}]", v=Quiet({"x" * 999_994: ""})) == "[]"


def test_an_output_value_one_past_the_size_limit_is_refused():
    assert refused("{{ v }}", v=Quiet({"x" * 999_995: ""})) == value_refusal(
        "an output value of a Quiet of length 1 is about 1,000,001 as text"
    )


# --- integer size -------------------------------------------------------------------------


def test_integers_at_the_size_limit_are_computed():
    half = 2 ** (MAX_INT_BITS // 2 - 1)  # 5,000 bits
    assert jinja("{{ (a * b).bit_length() }}", a=half, b=half) == "9999"
    assert jinja("{{ (2 ** n).bit_length() }}", n=MAX_INT_BITS - 1) == "10000"
    assert jinja("{{ (a + a).bit_length() }}", a=2 ** (MAX_INT_BITS - 2)) == "10000"
    # 3 ** 6,309 has 10,000 bits
    assert jinja("{{ (3 ** n).bit_length() }}", n=6_309) == "10000"


@pytest.mark.parametrize(
    ("text", "variables", "detail"),
    [
        (
            "{{ a * b }}",
            {"a": 2 ** (MAX_INT_BITS // 2), "b": 2 ** (MAX_INT_BITS // 2 - 1)},
            "an int of 5,001 bits * an int of 5,000 bits would have 10,001",
        ),
        (
            "{{ 2 ** n }}",
            {"n": MAX_INT_BITS},
            "an int of 2 bits ** 10,000 would have about 10,001",
        ),
        (
            "{{ 2 ** n }}",
            {"n": MAX_INT_BITS + 1},
            "an int of 2 bits ** 10,001 would have about 10,001",
        ),
        ("{{ 3 ** n }}", {"n": 6_310}, "an int of 2 bits ** 6,310 would have about 10,002"),
        (
            "{{ (-2) ** n }}",
            {"n": MAX_INT_BITS},
            "an int of 2 bits ** 10,000 would have about 10,001",
        ),
        ("{{ a + a }}", {"a": 2 ** (MAX_INT_BITS - 1)}, "'+' made an int of 10,001 bits"),
    ],
)
def test_an_integer_one_bit_past_the_limit_is_refused(text, variables, detail):
    assert refused(text, **variables) == Refusal("integer size", INT, detail)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ 1 ** n }}", "1"),
        ("{{ (-1) ** n }}", "1"),
        ("{{ 0 ** n }}", "0"),
        ("{{ 2 ** -n }}", "0.0"),
        ("{{ 2.0 ** 3 }}", "8.0"),
    ],
)
def test_powers_that_stay_small_are_computed(text, expected):
    assert jinja(text, n=10**100) == expected


# --- render work --------------------------------------------------------------------------


# Each template builds 9,000,000 characters or items in a loop, then 1,000,000 and
# ``last`` more: at the limit when ``last`` is 0, one past when it is 1.
WORK_TEMPLATES = {
    "operators": "{% for i in range(9) %}{% set v = s * n %}{% endfor %}",
    "calls": "{% for i in range(9) %}{% set v = s.ljust(n) %}{% endfor %}",
    "filters": "{% for i in range(9) %}{% set v = s|center(n) %}{% endfor %}",
    # a join counts its parts, then the text it made: 2 * 500,000
    "joins": "{% for i in range(9) %}{% set v = h ~ h %}{% endfor %}",
    "blocks": "{% for i in range(9) %}{% set v %}{{ h }}{{ h }}{% endset %}{% endfor %}",
    # a macro's body is joined (2 * 250,000), then its result comes out of a call
    "macros": (
        "{% macro m() %}{{ h }}{% endmacro %}{% for i in range(12) %}{% set v = m() %}{% endfor %}"
    ),
}
WORK_TAIL = "{% set w = s * n %}{% set z = s * last %}"


def work_variables(last: int) -> dict[str, Any]:
    return {"s": "x", "n": MAX_VALUE_SIZE, "h": "y" * (MAX_VALUE_SIZE // 4), "last": last}


@pytest.mark.parametrize("name", list(WORK_TEMPLATES))
def test_render_work_at_the_limit_renders(name):
    text = WORK_TEMPLATES[name] + WORK_TAIL + "{{ s }}"
    assert jinja(text, **work_variables(0)) == "x"


@pytest.mark.parametrize("name", list(WORK_TEMPLATES))
def test_render_work_one_past_the_limit_is_refused(name):
    assert refused(WORK_TEMPLATES[name] + WORK_TAIL, **work_variables(1)) == Refusal(
        "render work", WORK, "its loops, macros or blocks build too many values"
    )


def test_output_values_count_as_render_work():
    # 9 * 1,000,000 + 999,976 built, and None output: about 24 characters of work
    text = "{% for i in range(9) %}{% set v = s * n %}{% endfor %}{% set w = s * m %}{{ z }}"
    assert jinja(text, s="x", n=MAX_VALUE_SIZE, m=999_976, z=None) == "None"
    assert refused(text, s="x", n=MAX_VALUE_SIZE, m=999_977, z=None).limit == "render work"


def test_a_render_inside_a_render_keeps_the_outer_one_to_its_own_limits():
    def inner() -> str:
        return template.render("{{ 'i' }}", "jinja", {})

    # 6,000,000 built, then the inner render's "i" (1), then 3,000,000 or 4,000,000
    text = (
        "{% for i in range(6) %}{% set v = s * n %}{% endfor %}{{ inner() }}"
        "{% for i in range(k) %}{% set v = s * n %}{% endfor %}"
    )
    assert jinja(text, s="x", n=MAX_VALUE_SIZE, inner=inner, k=3) == "i"
    assert refused(text, s="x", n=MAX_VALUE_SIZE, inner=inner, k=4).limit == "render work"


# --- render time --------------------------------------------------------------------------


@pytest.fixture
def short_clock(monkeypatch):
    monkeypatch.setattr(template, "RENDER_SECONDS", 0.05)


CLOCK = Refusal(
    "render time",
    "0.05 seconds (RENDER_SECONDS)",
    "it was stopped; look for loops that run too often or a macro that calls itself",
)


def test_a_loop_that_calls_nothing_is_stopped_by_the_clock(short_clock):
    start = time.perf_counter()
    assert refused("{% for i in xs %}{% endfor %}", xs=range(10**7)) == CLOCK
    assert time.perf_counter() - start < 1.0


def test_the_clock_holds_through_the_sandbox_hooks_without_the_tracer(short_clock, monkeypatch):
    monkeypatch.setattr(sys, "settrace", lambda function: None)
    text = "{% for i in range(300) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    assert refused(text) == CLOCK


@pytest.mark.parametrize(
    "hook",
    ["d[0]", "d.a", "f()", "n + 0", "a ~ b"],
    ids=["item", "attribute", "call", "operator", "join"],
)
def test_a_dropped_tracer_is_put_back_by_the_next_hook(short_clock, hook):
    previous = sys.gettrace()

    def drop() -> str:
        sys.settrace(None)  # as Python does when a trace function raises where it cannot
        return ""

    text = "{{ drop() }}{% set k = " + hook + " %}{% for i in r %}{% endfor %}"
    variables = {"d": {0: 1, "a": 1}, "f": lambda: 1, "n": 1, "a": "a", "b": "b"}
    try:
        refusal = refused(text, drop=drop, r=range(10**7), **variables)
    finally:
        sys.settrace(previous)
    assert refusal == CLOCK


# --- range --------------------------------------------------------------------------------


def test_a_range_at_the_size_limit_is_made():
    assert jinja("{{ range(100000)|length }}|{{ range(5, 100005)|length }}") == "100000|100000"


@pytest.mark.parametrize(
    ("call", "detail"),
    [
        ("range(100001)", "range(100,001) has more"),
        ("range(0, 10**9, 2)", "range(0, 1,000,000,000, 2) has more"),
        ("range(10**100)", "range(10^100) has more"),
    ],
)
def test_a_range_one_past_the_size_limit_is_refused(call, detail):
    assert refused(f"{{{{ {call} }}}}") == Refusal(
        "range size", "100,000 items (the sandbox's MAX_RANGE)", detail
    )


# --- tojson indent ------------------------------------------------------------------------


@pytest.mark.parametrize("call", ["tojson(16)", "tojson(indent=16)"])
def test_tojson_indent_at_the_limit_renders(call):
    assert jinja(f"{{{{ [1]|{call} }}}}") == "[\n" + " " * 16 + "1\n]"


@pytest.mark.parametrize("call", ["tojson(17)", "tojson(indent=17)"])
def test_tojson_indent_one_past_the_limit_is_refused(call):
    assert refused(f"{{{{ [1]|{call} }}}}") == value_refusal(
        "the tojson filter indent of 17 is over 16"
    )
