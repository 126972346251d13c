"""Hostile comment templates: each ends in a TemplateError, quickly, without a memory blow-up.

Templates are studio configuration, but a typo (a loop over the wrong range), a copied
snippet or a malicious settings file must not hang a publish or exhaust the artist's
memory: every limit of :mod:`kitsu_publish.template` is exercised here, along with
escapes through filters, methods, macros, namespaces and blocks, and attribute walks
to Python internals. Ordinary templates still render.

With ``KITSU_RELIABILITY_OUT`` naming a directory, ``template_hostile.json`` is written
there: each hostile case's name mapped to the first line of its error and its seconds,
every case rendered with the shipped render clock (``RENDER_SECONDS``, 2 s). Otherwise
the cases only the clock stops (:data:`CLOCKED`) run on a 0.3 s clock, so that the file
takes seconds, not tens of seconds; the others on a long one, so that a loaded machine
cannot turn them into clock cases: each must still be refused by its own limit within
:data:`SECONDS`. :func:`test_the_shipped_render_clock_stops_a_render_after_two_seconds`
keeps the 2 s.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from kitsu_publish import template
from kitsu_publish.errors import TemplateError
from kitsu_publish.text import MAX_COMMENT_CHARS

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

#: A hostile template must fail within this many seconds (the render budget is 2 s).
SECONDS = 5.0
#: ... and may not grow the process by more than this (peak resident memory).
MEMORY_MB = 200

OUTCOMES: dict[str, dict[str, Any]] = {}
RECORDING = bool(os.environ.get("KITSU_RELIABILITY_OUT", ""))


@pytest.fixture(scope="module", autouse=True)
def reliability_record():
    yield
    out = os.environ.get("KITSU_RELIABILITY_OUT", "")
    if out and OUTCOMES:
        os.makedirs(out, exist_ok=True)
        text = json.dumps(OUTCOMES, indent=2) + "\n"
        Path(out, "template_hostile.json").write_text(text, encoding="utf-8")


def variables() -> dict[str, Any]:
    data = {"frameStart": 1001, "frameEnd": 1100, "ctx": "<pyblish.Context>"}
    return {
        "comment": "hello",
        "version": 3,
        "name": "animMain",
        "data": data,
        "instances": [
            {"name": "animMain", "version": 3, "comment": "hello", "data": data},
            {"name": "render_main", "version": 12, "comment": "", "data": {}},
        ],
    }


def peak_mb() -> float:
    if resource is None:
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def render_clock(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """The render clock of a hostile case (see the module's docstring)."""
    if not RECORDING:
        monkeypatch.setattr(template, "RENDER_SECONDS", 0.3 if name in CLOCKED else 2 * SECONDS)


def hostile(name: str, text: str) -> str:
    """Render ``text``; it must fail with a TemplateError within bounds. Its message."""
    before = peak_mb()
    start = time.perf_counter()
    # No garbage collection while a template may be at Python's recursion limit: a gc
    # callback of another library (hypothesis times collections) would then raise a
    # RecursionError into pytest's unraisable-exception hook, which fails the test.
    enabled = gc.isenabled()
    gc.disable()
    try:
        template.render(text, "jinja", variables(), where="task P / SH010 / Animation")
    except TemplateError as exc:
        message = str(exc)
    else:
        message = ""
    finally:
        if enabled:
            gc.enable()
    seconds = time.perf_counter() - start
    grown = peak_mb() - before
    OUTCOMES[name] = {
        "error": message.splitlines()[0] if message else "rendered (no error)",
        "seconds": round(seconds, 3),
    }
    assert message, f"{name}: rendered without error"
    assert seconds < SECONDS, f"{name}: took {seconds:.1f} s"
    assert grown < MEMORY_MB, f"{name}: peak memory grew by {grown:.0f} MB"
    assert "out of memory" not in message
    assert "(task P / SH010 / Animation)" in message, message
    return message


NESTED_LISTS = "{% set a = ['x' * 100000] %}" + "{% set a = [a, a, a, a, a, a, a, a] %}" * 30

# name: (template, words the error must contain)
CASES: dict[str, tuple[str, str]] = {
    # --- time and output ---------------------------------------------------------------
    "nested_range_loops_with_output": (
        "{% for x in range(100000) %}{% for y in range(100000) %}x{% endfor %}{% endfor %}",
        "output size limit of 100,000 characters",
    ),
    "nested_range_loops_without_output": (
        "{% for x in range(100000) %}{% for y in range(100000) %}{% endfor %}{% endfor %}",
        "render time limit of",
    ),
    "three_range_loops_without_output": (
        "{% for x in range(100000) %}{% for y in range(100000) %}{% for z in range(100000) %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "render time limit",
    ),
    "loop_cycle_in_nested_loops": (
        "{% for i in range(100000) %}{% for j in range(100000) %}"
        "{% set c = loop.cycle('a', 'b') %}{% endfor %}{% endfor %}",
        "render time limit",
    ),
    "join_of_range_repeated": (
        "{% for i in range(100000) %}{{ range(100000)|list|join }}{% endfor %}",
        "output size limit",
    ),
    "join_of_range_repeated_silently": (
        "{% for i in range(100000) %}{% set x = range(100000)|list|join %}{% endfor %}",
        "limit",  # render time or render work, whichever comes first on this machine
    ),
    "exponential_macro_calls": (
        "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
        "{{ f(0) }}",
        "render time limit",
    ),
    "exponential_recursive_loop": (
        "{% for x in [1, 2] recursive %}{% if loop.depth < 40 %}{{ loop([1, 2]) }}{% endif %}"
        "{% endfor %}",
        "limit",
    ),
    # --- recursion -------------------------------------------------------------------------
    "macro_calling_itself": (
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "recursion depth limit",
    ),
    "recursive_loop_without_end": (
        "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
        "recursion depth limit",
    ),
    "macro_doubling_its_argument": (
        "{% macro f(s) %}{{ f(s ~ s) }}{% endmacro %}{{ f('x') }}",
        "value size limit of 1,000,000",
    ),
    # --- loop nesting ----------------------------------------------------------------------
    "four_nested_loops": (
        "{% for a in instances %}{% for b in instances %}{% for c in instances %}"
        "{% for d in instances %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        "loop nesting limit of 3 nested loops (MAX_LOOP_DEPTH): its {% for %} loops nest 4",
    ),
    "macro_loops_inside_loops": (
        "{% macro m() %}{% for a in instances %}{% for b in instances %}{% endfor %}"
        "{% endfor %}{% endmacro %}"
        "{% for c in instances %}{% for d in instances %}{{ m() }}{% endfor %}{% endfor %}",
        "loops nest 4 deep",
    ),
    "call_block_inside_macro_loops": (
        "{% macro m() %}{% for a in instances %}{% for b in instances %}{{ caller() }}"
        "{% endfor %}{% endfor %}{% endmacro %}"
        "{% call m() %}{% for c in instances %}{% for d in instances %}{% endfor %}"
        "{% endfor %}{% endcall %}",
        "loops nest 4 deep",
    ),
    "recursive_loop_in_two_loops": (
        "{% for a in instances %}{% for b in instances %}{% for c in instances recursive %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "loops nest 4 deep",
    ),
    # --- repetition and arithmetic -----------------------------------------------------------
    "comment_times_10e8": ("{{ comment * 10**8 }}", "value size limit"),
    "string_times_10e9": ("{{ 'a' * 10**9 }}", "a str of length 1 * 1,000,000,000"),
    "count_times_string": ("{{ 10**9 * 'a' }}", "value size limit"),
    "list_times_10e9": ("{{ [1] * 10**9 }}", "value size limit"),
    "tuple_repeated_in_namespace": (
        "{% set ns = namespace(t=(1, 2)) %}{% for i in range(64) %}{% set ns.t = ns.t * 2 %}"
        "{% endfor %}",
        "value size limit",
    ),
    "concatenated_comment_times_10e6": ("{{ (comment ~ comment) * 10**6 }}", "value size"),
    "power_of_10_to_10e8": ("{{ 10 ** (10 ** 8) }}", "integer size limit of 10,000 bits"),
    "power_of_huge_exponent": ("{{ 2 ** (10 ** 100) }}", "integer size limit"),
    "product_of_big_powers": ("{{ (10 ** 2000) * (10 ** 2000) }}", "integer size limit"),
    "squaring_in_a_loop": (
        "{% set ns = namespace(n=3) %}{% for i in range(100) %}{% set ns.n = ns.n * ns.n %}"
        "{% endfor %}",
        "integer size limit",
    ),
    "list_plus_itself_in_a_loop": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(100) %}{% set ns.l = ns.l + ns.l %}"
        "{% endfor %}",
        "value size limit",
    ),
    "lists_plus_to_over_a_million": (
        "{{ ((range(100000)|list) + (range(100000)|list)) * 6 }}",
        "value size limit",
    ),
    # --- formats -----------------------------------------------------------------------------
    "percent_width": ("{{ '%0999999999d' % 1 }}", "a '%' format would make"),
    "percent_precision": ("{{ '%.999999999f' % 1.0 }}", "value size limit"),
    "percent_star_width": ("{{ '%*d' % (999999999, 1) }}", "value size limit"),
    "percent_many_fields": (
        "{{ ('%s' * 1000) % ((comment * 1000,) * 1000) }}",
        "value size limit",
    ),
    "format_method_width": ("{{ '{:>999999999}'.format(1) }}", "a format field"),
    "format_method_nested_width": ("{{ '{:>{}}'.format(1, 999999999) }}", "value size"),
    "format_method_nested_digits": ("{{ '{:>{}{}}'.format(1, 99999, 9999) }}", "value size"),
    "format_map_width": ("{{ '{a:>999999999}'.format_map({'a': 1}) }}", "value size"),
    "format_method_many_fields": (
        "{{ ('{0}' * 10000).format(comment * 1000) }}",
        "value size limit",
    ),
    "format_filter_width": ("{{ '%999999999s'|format('x') }}", "the format filter"),
    "format_filter_through_map": (
        "{{ ['%999999999d']|map('format', 1)|list }}",
        "the format filter",
    ),
    # --- string methods ----------------------------------------------------------------------
    "center_method": ("{{ 'x'.center(10**9) }}", "str.center()"),
    "ljust_method": ("{{ 'x'.ljust(999999999) }}", "str.ljust()"),
    "rjust_method": ("{{ 'x'.rjust(999999999, '-') }}", "str.rjust()"),
    "zfill_method": ("{{ '1'.zfill(999999999) }}", "str.zfill()"),
    "expandtabs_method": ("{{ ('\\t' * 1000).expandtabs(100000) }}", "str.expandtabs()"),
    "replace_method_empty_pattern": (
        "{{ (comment * 1000).replace('', comment * 1000) }}",
        "str.replace()",
    ),
    "join_method": ("{{ ('x' * 1000).join(['y' * 1000] * 1000) }}", "str.join()"),
    "translate_method": (
        "{{ ('a' * 100000).translate({97: 'b' * 1000}) }}",
        "str.translate()",
    ),
    "to_bytes_method": ("{{ (1).to_bytes(10**9, 'big') }}", "int.to_bytes()"),
    "markup_center": ("{{ ('x'|e).center(10**9) }}", "value size limit"),
    # --- filters -----------------------------------------------------------------------------
    "center_filter": ("{{ 'x'|center(1000000000) }}", "the center filter"),
    "center_filter_through_map": ("{{ [1, 2]|map('center', 10**9)|list }}", "center filter"),
    "indent_filter_width": ("{{ ('x\\n' * 1000)|indent(1000000) }}", "the indent filter"),
    "indent_filter_string": (
        "{{ ('x\\n' * 100000)|indent('y' * 1000) }}",
        "the indent filter",
    ),
    "wordwrap_filter": (
        "{{ ('x ' * 100000)|wordwrap(1, wrapstring='y' * 100) }}",
        "the wordwrap filter",
    ),
    "replace_filter_empty_pattern": (
        "{{ (comment * 1000)|replace('', 'y' * 1000) }}",
        "the replace filter",
    ),
    "replace_filter_twice": (
        "{{ 'a'|replace('a', 'a' * 999999)|replace('a', 'aa') }}",
        "the replace filter",
    ),
    "urlize_filter_target_by_position": (
        "{{ ('www.x.com ' * 1000)|urlize(none, false, 'y' * 999999) }}",
        "the urlize filter would make",
    ),
    "truncate_filter_end": ("{{ comment|truncate(10, end='x' * 10**7) }}", "value size"),
    "join_filter_separator": ("{{ range(100000)|join('x' * 100000) }}", "the join filter"),
    "join_of_centered_numbers": (
        "{{ range(100000)|map('string')|map('center', 1000)|join }}",
        "limit",
    ),
    "join_filter_attribute": (
        "{{ [{'a': 'x' * 999999}, {'a': 'y' * 999999}]|join(attribute='a') }}",
        "the join filter",
    ),
    "sum_filter_of_lists": ("{{ range(100000)|batch(1)|sum(start=[]) }}", "output size"),
    "slice_filter_count": ("{{ range(10)|slice(10**8)|list }}", "the slice filter"),
    "batch_filter_fill": ("{{ range(10)|batch(10**9, 'x')|list }}", "the batch filter"),
    "tojson_filter_indent": ("{{ range(10)|list|tojson(indent=10**8) }}", "tojson filter"),
    "string_filter_of_a_long_list": ("{{ ('x' * 999999)|list|string }}", "value size"),
    "string_filter_of_shared_values": (
        "{{ dict.fromkeys(range(100000), 'x' * 100000)|string }}",
        "value size limit",
    ),
    "pprint_of_nested_lists": (NESTED_LISTS + "{{ a|pprint }}", "the pprint filter"),
    "string_of_nested_lists": (NESTED_LISTS + "{{ a|string|length }}", "value size limit"),
    "output_of_nested_lists": (NESTED_LISTS + "{{ a }}", "an output value"),
    "md_filter_of_nested_lists": (NESTED_LISTS + "{{ a|md }}", "value size limit"),
    # --- globals -----------------------------------------------------------------------------
    "range_of_10e9": ("{{ range(10**9)|list }}", "range size limit of 100,000 items"),
    "range_of_10e100": ("{{ range(10**100) }}", "range size limit"),
    "lipsum_10e6_paragraphs": ("{{ lipsum(10**6) }}", "lipsum()"),
    "lipsum_huge_paragraphs": ("{{ lipsum(1, max=10**9) }}", "lipsum()"),
    "namespace_concatenation_doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s|length }}",
        "value size limit",
    ),
    "namespace_nesting_doubling": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(100) %}"
        "{% set ns.l = [ns.l, ns.l] %}{% endfor %}",
        "namespace attribute 'l'",
    ),
    "namespace_collecting_new_text": (
        "{% set ns = namespace(l=[]) %}{% for i in range(100000) %}"
        "{% set ns.l = ns.l + ['x' * 99999] %}{% endfor %}",
        "limit",
    ),
    # --- blocks ------------------------------------------------------------------------------
    "set_block_collecting_new_text": (
        "{% set a %}{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}{% endset %}"
        "{{ a|length }}",
        "",  # render work limit; Jinja 3.0.0 cannot compile a loop in a set block
    ),
    "filter_block_collecting_new_text": (
        "{% filter upper %}{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}"
        "{% endfilter %}",
        "render work limit",
    ),
    "macro_collecting_new_text": (
        "{% macro m() %}{% for i in range(100000) %}{{ comment * 1000 }}{% endfor %}"
        "{% endmacro %}{{ m()|length }}",
        "render work limit",
    ),
    "concatenation_of_big_parts": (
        "{% set a = 'x' * 900000 %}{{ (a ~ a ~ a)|length }}",
        "value size limit",
    ),
    # --- template text ---------------------------------------------------------------------
    "template_of_60000_characters": ("x" * 60000, "template size limit of 50,000"),
    "deeply_nested_parentheses": (
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        "nested too deeply",
    ),
    "deeply_nested_list_literal": (
        "{{ " + "[" * 5000 + "]" * 5000 + " }}",
        "nested too deeply",
    ),
    "deeply_nested_ifs": (
        "{% if true %}" * 2000 + "x" + "{% endif %}" * 2000,
        "",
    ),
    # --- internals ---------------------------------------------------------------------------
    "str_class_mro": ("{{ ''.__class__.__mro__ }}", "sandbox forbids"),
    "cycler_globals": ("{{ cycler.__init__.__globals__ }}", "sandbox forbids"),
    "lipsum_globals": ("{{ lipsum.__globals__ }}", "sandbox forbids"),
    "joiner_globals": ("{{ joiner.__init__.__globals__['os'] }}", "sandbox forbids"),
    "namespace_init": ("{{ namespace.__init__.__globals__ }}", "sandbox forbids"),
    "template_context": ("{{ self._TemplateReference__context }}", ""),
    "generator_frame": ("{{ (instances|map('string')).gi_frame }}", "sandbox forbids"),
    "loop_internals": ("{% for i in instances %}{{ loop._iterator }}{% endfor %}", ""),
    "attr_filter_class": ("{{ comment|attr('__class__') }}", "sandbox forbids"),
    "format_field_class": ("{{ '{0.__class__}'.format(comment) }}", "sandbox forbids"),
    "format_map_class": ("{{ '{a.__class__}'.format_map({'a': 1}) }}", "sandbox forbids"),
    "mutating_instance_data": ("{{ data.update({'x': 1}) }}", "sandbox forbids"),
    "live_object_method": ("{{ data.ctx.create_instance('x') }}", "undefined"),
}


#: The cases only the render clock stops.
CLOCKED = frozenset(
    [
        "nested_range_loops_without_output",
        "three_range_loops_without_output",
        "loop_cycle_in_nested_loops",
        "join_of_range_repeated_silently",
        "exponential_macro_calls",
        "exponential_recursive_loop",
    ]
)


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_template_is_a_template_error_quickly(name, monkeypatch):
    text, words = CASES[name]
    render_clock(monkeypatch, name)
    message = hostile(name, text)
    assert words in message, message


def test_every_limit_is_exercised():
    assert len(CASES) >= 90
    limits = (
        "render time",
        "output size",
        "loop nesting",
        "value size",
        "integer size",
        "range size",
        "render work",
        "template size",
        "recursion depth",
    )
    joined = " ".join(words for _, words in CASES.values())
    assert all(limit in joined for limit in limits)


def test_the_reliability_page_lists_every_case():
    # docs/reliability.md is generated from a recording run; a case added here without
    # regenerating it would fail only CI's late "reliability page" phase
    page = (Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text("utf-8")
    absent = [name for name in CASES if f"| `{name}` |" not in page]
    assert not absent, f"regenerate docs/reliability.md (tools/reliability_report.py): {absent}"


def test_hostile_data_does_not_slip_past_the_limits():
    # the limits hold for values coming in, not only for literals
    big = "x" * 999_999
    with pytest.raises(TemplateError, match="value size limit"):
        template.render("{{ big * 2 }}", "jinja", {"big": big})
    with pytest.raises(TemplateError, match="value size limit"):
        template.render("{{ big ~ big }}", "jinja", {"big": big})
    with pytest.raises(TemplateError, match="output size limit"):
        template.render("{{ big }}", "jinja", {"big": big})


def test_the_shipped_render_clock_stops_a_render_after_two_seconds():
    assert template.RENDER_SECONDS == 2.0
    start = time.perf_counter()
    with pytest.raises(TemplateError, match=r"render time limit of 2 seconds \(RENDER_SECONDS\)"):
        template.render(CASES["nested_range_loops_without_output"][0], "jinja", {})
    assert 2.0 <= time.perf_counter() - start < SECONDS


def test_render_time_limit_can_be_lowered(monkeypatch):
    monkeypatch.setattr(template, "RENDER_SECONDS", 0.2)
    start = time.perf_counter()
    with pytest.raises(TemplateError, match=r"render time limit of 0.2 seconds"):
        template.render(CASES["nested_range_loops_without_output"][0], "jinja", {})
    assert time.perf_counter() - start < 1.5


def test_a_trace_function_set_before_is_restored():
    calls: list[str] = []

    def tracer(frame, event, arg):
        calls.append(event)
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        template.render("{{ comment }}", "jinja", {"comment": "x"})
        with pytest.raises(TemplateError):
            template.render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "jinja", {})
        assert sys.gettrace() is tracer
    finally:
        sys.settrace(previous)


def test_legacy_template_output_is_limited_too():
    start = time.perf_counter()
    with pytest.raises(TemplateError, match="output size limit of 100,000") as info:
        template.render("{comment}" * 5000, "legacy", {"comment": "x" * 99_999}, where="t")
    assert str(info.value).endswith("(t)")
    assert time.perf_counter() - start < SECONDS


# --- ordinary templates still render ------------------------------------------------------

README_TEMPLATE = (
    "{{ comment }}\n"
    "\n"
    "| product | version |\n"
    "|--|--|\n"
    "{% for i in instances %}| {{ i.name | md }} | v{{ '%03d' % i.version }} |\n"
    "{% endfor %}"
)


def many_instances(count: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"render_{n:03d}|beauty",
            "version": n,
            "comment": f"pass {n}",
            "data": {"frameStart": 1001, "frameEnd": 1001 + n, "families": ["review"]},
        }
        for n in range(count)
    ]


def test_the_readme_table_renders_for_three_hundred_instances():
    start = time.perf_counter()
    text = template.render(
        README_TEMPLATE, "jinja", {"comment": "Blocking done", "instances": many_instances(300)}
    )
    assert time.perf_counter() - start < 1.0
    lines = text.splitlines()
    assert lines[0] == "Blocking done"
    assert lines[4] == "| render\\_000\\|beauty | v000 |"
    assert lines[-1] == "| render\\_299\\|beauty | v299 |"
    assert len(lines) == 4 + 300


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{% for i in instances %}{{ loop.index }}. {{ i.name }} "
            "{{ i.data.frameStart }}-{{ i.data.frameEnd }}\n{% endfor %}",
            "1. a 1001-1002\n2. b 1001-1003\n",
        ),
        ("{{ instances|map(attribute='name')|join(', ') }}", "a, b"),
        ("{{ instances|join(', ', attribute='name') }}", "a, b"),
        ("{{ instances|sum(attribute='version') }}", "5"),
        ("{{ [[1], [2, 3]]|sum(start=[]) }}", "[1, 2, 3]"),
        ("{{ instances|selectattr('version', 'gt', 2)|map(attribute='name')|list }}", "['b']"),
        (
            "{% set ns = namespace(total=0) %}{% for i in instances %}"
            "{% set ns.total = ns.total + i.version %}{% endfor %}{{ ns.total }}",
            "5",
        ),
        (
            "{% macro row(i) %}| {{ i.name|md }} | {{ '{:>3}'.format(i.version) }} |"
            "{% endmacro %}{% for i in instances %}{{ row(i) }}\n{% endfor %}",
            "| a |   2 |\n| b |   3 |\n",
        ),
        (
            "{% for node in tree recursive %}{{ node.name }}"
            "{% if node.children %}({{ loop(node.children) }}){% endif %}{% endfor %}",
            "root(ab(c))",
        ),
        ("{{ '%s v%03d' % (name, version) }} {{ '%(n)s'|format(n=name) }}", "x v007 x"),
        ("{{ comment|wordwrap(5) }}", "one\ntwo\nthree"),
        (
            "{{ comment|center(17) }}|{{ comment|indent(2, true) }}",
            "  one two three  |  one two three",
        ),
        ("{{ {'a': 1}|tojson(indent=2) }}", '{\n  "a": 1\n}'),
        ("{{ 'x' * 3 }}{{ [0] * 2 }}{{ 2 ** 10 }}{{ 'ab' + 'c' }}", "xxx[0, 0]1024abc"),
        ("{{ range(3)|list }} {{ lipsum(1, html=false)|length > 0 }}", "[0, 1, 2] True"),
        ("{{ comment|replace(' ', '_')|truncate(9, leeway=0) }}", "one_tw..."),
        ("{% filter upper %}{{ comment }}{% endfilter %}", "ONE TWO THREE"),
        ("{{ '{:,}'.format(1234567) }} {{ '{a}'.format_map({'a': 1}) }}", "1,234,567 1"),
    ],
)
def test_ordinary_templates_render(text, expected):
    values = {
        "comment": "one two three",
        "name": "x",
        "version": 7,
        "instances": [
            {"name": "a", "version": 2, "data": {"frameStart": 1001, "frameEnd": 1002}},
            {"name": "b", "version": 3, "data": {"frameStart": 1001, "frameEnd": 1003}},
        ],
        "tree": [
            {
                "name": "root",
                "children": [
                    {"name": "a", "children": []},
                    {"name": "b", "children": [{"name": "c", "children": []}]},
                ],
            }
        ],
    }
    assert template.render(text, "jinja", values) == expected


def test_a_note_just_under_the_output_limit_renders():
    text = template.render("{{ comment * n }}", "jinja", {"comment": "x", "n": MAX_COMMENT_CHARS})
    assert len(text) == MAX_COMMENT_CHARS


def test_three_nested_loops_are_allowed():
    text = template.render(
        "{% for a in x %}{% for b in x %}{% for c in x %}{{ a }}{{ b }}{{ c }} "
        "{% endfor %}{% endfor %}{% endfor %}",
        "jinja",
        {"x": [0, 1]},
    )
    assert text == "000 001 010 011 100 101 110 111 "


def test_a_macro_with_a_loop_called_in_two_loops_is_allowed():
    text = template.render(
        "{% macro m(a) %}{% for b in a %}{{ b }}{% endfor %}{% endmacro %}"
        "{% for x in xs %}{% for y in x %}{{ m(y) }},{% endfor %}{% endfor %}",
        "jinja",
        {"xs": [[[1, 2], [3]]]},
    )
    assert text == "12,3,"


def test_the_render_clock_holds_even_when_python_dropped_the_tracer():
    """Python drops a thread's trace function when it raises where nothing can catch it
    (a generator of an earlier render closed by the garbage collector); the sandbox's
    hooks check the clock too, so the render still stops. Run in a subprocess, so that a
    regression fails here instead of hanging the suite."""
    code = (
        "import sys, time\n"
        "from kitsu_publish import template\n"
        "from kitsu_publish.errors import TemplateError\n"
        "template.RENDER_SECONDS = 0.3\n"
        "sys.settrace = lambda function: None  # the tracer never gets installed\n"
        "text = '{% for x in [1, 2] recursive %}{% if loop.depth < 40 %}'"
        " '{{ loop([1, 2]) }}{% endif %}{% endfor %}'\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    template.render(text, 'jinja', {})\n"
        "except TemplateError as exc:\n"
        "    print('stopped', round(time.perf_counter() - start, 1), exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)
    assert done.stdout.startswith("stopped"), done.stdout + done.stderr
    assert "render time" in done.stdout
    assert float(done.stdout.split()[1]) < SECONDS
