"""Value sizes: the estimates the sandbox makes before it builds a value, and the filters'.

The estimates are upper bounds of the text a value or a call would make, cheap to
compute however large that text would be; a filter or call whose estimate passes the
value limit (1,000,000) is refused before it runs. Each estimate is tested at the
limit's line here: exactly at it renders, one past is refused.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import jinja2.utils
import pytest

from kitsu_publish import template
from kitsu_publish.errors import TemplateError
from kitsu_publish.template import MAX_VALUE_SIZE, sizes
from kitsu_publish.template.filters import STRUCTURAL_FILTERS

WHERE = "task T"


class Refusal(NamedTuple):
    limit: str
    value: str
    detail: str


def refused(text: str, **variables: Any) -> Refusal:
    with pytest.raises(TemplateError) as info:
        template.render(text, "jinja", variables, where=WHERE)
    message = str(info.value)
    assert message.endswith(f" ({WHERE})"), message
    found = re.fullmatch(
        r"the comment template exceeds the (.+?) limit of (.+?): (.*)",
        message[: -len(WHERE) - 3],
        re.S,
    )
    assert found, message
    return Refusal(*found.groups())


def value_refusal(detail: str) -> Refusal:
    return Refusal("value size", "1,000,000 characters or items (MAX_VALUE_SIZE)", detail)


def jinja(text: str, **variables: Any) -> str:
    return template.render(text, "jinja", variables, where=WHERE)


# --- estimates of a value's text ------------------------------------------------------------


def test_amounts_are_written_with_separators_up_to_a_quadrillion():
    assert sizes.amount(10**15 - 1) == "999,999,999,999,999"
    assert sizes.amount(10**15) == "10^15"
    assert sizes.amount(10**100 + 7) == "10^100"


@pytest.mark.parametrize(
    ("value", "described"),
    [
        ("abc", "a str of length 3"),
        (b"ab", "a bytes of length 2"),
        ([1], "a list of length 1"),
        ((1, 2), "a tuple of length 2"),
        ({"a": 1}, "a dict of length 1"),
        (2**100, "an int of 101 bits"),
        (True, "a bool"),
        (1.5, "a float"),
        (None, "a NoneType"),
    ],
)
def test_values_are_described_by_type_and_length(value, described):
    assert sizes.describe(value) == described


def test_bools_are_not_ints():
    assert sizes.is_int(3)
    assert not sizes.is_int(True)
    assert not sizes.is_int("3")


def _namespace(**values: Any) -> Any:
    return jinja2.utils.Namespace(**values)


def _cycle() -> list[Any]:
    cycle: list[Any] = ["ab"]
    cycle.append(cycle)
    return cycle


SHARED = ["x" * 10]


@pytest.mark.parametrize(
    ("value", "estimate"),
    [
        ("abc", 3),
        ("", 0),
        (None, 24),  # the longest a float's text can be
        (True, 24),
        (-1.2345678901234567e-308, 24),
        (0, 2),  # an int: 0.3 characters per bit, and 2
        (2**100, 32),
        (-(2**100), 32),
        (b"ab", 11),  # b'\\x00\\x01': 4 per byte, and 3
        (bytearray(b"abc"), 15),
        ([], 2),  # brackets, and each item with its separator
        (["ab", "c"], 9),
        (("ab", "c"), 9),
        ({"ab", "c"}, 9),
        (frozenset(["ab"]), 6),
        ({"a": "bc"}, 9),  # a key and its value each count as an item
        ({"a": "bc"}.keys(), 5),
        ({"a": "bc"}.values(), 6),
        ({"a": "bc"}.items(), 13),  # each item a tuple
        ([[1]], 10),
        (_namespace(a="bc"), 9),
        (_cycle(), 13),  # met again inside itself: 5, as "[...]" is
        ([SHARED, SHARED], 34),
        (object(), 64),  # anything else: a generator, a range, a cycler...
        (range(10**9), 64),
    ],
)
def test_the_text_of_a_value_is_estimated_without_building_it(value, estimate):
    assert sizes.size(value) == estimate


def test_an_estimate_stops_counting_past_its_budget():
    assert sizes.size(["x"] * 3, budget=8) == 11  # 2, 5, 8: still within; 11: over
    assert sizes.size(["x"] * 4, budget=8) == 11
    assert sizes.size(["x"] * 3, budget=7) == 8
    # an inner container gets what is left of the budget: 20 - 2, so it stops at 20
    assert sizes.size([["x"] * 10], budget=20) == 24


def test_a_value_nested_from_itself_is_measured_once_per_level():
    value: list[Any] = ["x" * 100_000]
    for _ in range(30):
        value = [value] * 8  # 8 ** 30 uses of the same text
    assert sizes.size(value) > MAX_VALUE_SIZE
    assert sizes.size(value, budget=10**40) == 2 + 8 * (2 + sizes.size(value[0], 10**40))


def test_shallow_sizes_count_items_not_their_text():
    assert [sizes.shallow(v) for v in ("abc", b"ab", bytearray(b"a"), [[1, 2]], (1,))] == [
        3,
        2,
        1,
        1,
        1,
    ]
    assert [sizes.shallow(v) for v in ({"a": "bcd"}, {1, 2}, frozenset([1]))] == [1, 2, 1]
    assert [sizes.shallow(v) for v in (5, None, 2.5, range(9))] == [0, 0, 0, 0]


# --- estimates of what a call would make ------------------------------------------------------


def test_format_numbers_of_nine_digits_are_read_longer_ones_are_huge():
    assert sizes.number("000000005") == 5
    assert sizes.number("999999999") == 999_999_999
    assert sizes.number("1234567890") == 10**9


@pytest.mark.parametrize(
    ("fmt", "args", "escaped", "estimate"),
    [
        ("%s", "abc", False, 5),  # the format's text, and the longest value per field
        ("%s", ("ab", "c"), False, 4),
        ("%s%s", ("ab", "c"), False, 8),
        ("%(a)s", {"a": "xyz"}, False, 8),
        ("%s", (), False, 2),
        ("%s", {}, False, 2),
        ("%%%s", "ab", False, 6),  # '%%' is no field
        ("%%%%%s", "ab", False, 8),
        ("%5s", "ab", False, 10),  # and its width, its precision
        ("%.3s", "ab", False, 9),
        ("%5.3s", "ab", False, 15),
        ("%*d", (7, 1), False, 12),  # '*': the largest int argument
        ("%*d", (-7, 1), False, 12),
        ("%s %*d", ("ab", 7, 1), False, 17),
        ("%*d", (True, 1), False, 28),  # a bool is no width: 3 + 1 + 24
        ("%*d", (), False, 3),
        ("%s", "ab", True, 14),  # escaped: each value may grow six times
        ("%9999999999s", "", False, 10**9 + 12),
    ],
)
def test_percent_formats_are_estimated(fmt, args, escaped, estimate):
    assert sizes.percent_size(fmt, args, escaped) == estimate


def test_percent_format_estimates_bound_the_text():
    for fmt, args in [("%5.3s|%-4d", ("abcdef", 7)), ("%(a)s%(a)s", {"a": "xy"}), ("%*d", (9, 3))]:
        assert sizes.percent_size(fmt, args) >= len(fmt % args)


def test_format_fields_count_their_value_and_the_numbers_of_their_spec():
    assert sizes.format_field_size("ab", ">10.3") == 15
    assert sizes.format_field_size("ab", "") == 2


def test_arguments_are_read_by_position_else_by_name():
    assert sizes.arg((1, 2), {"x": 5}, 1, "x") == 2
    assert sizes.arg((1,), {"x": 5}, 1, "x") == 5
    assert sizes.arg((1,), {}, 1, "x") is None


@pytest.mark.parametrize(
    ("value", "width"), [(5, 5), (-3, -3), ("abc", 3), (True, 0), (None, 0), (2.5, 0)]
)
def test_widths_are_numbers_or_the_length_of_text(value, width):
    assert sizes.width(value) == width


@pytest.mark.parametrize(
    ("args", "estimate"),
    [
        (("aaa", "a", "bb", None), 6),  # each occurrence grows by the difference
        (("aaa", "a", "bb", 2), 5),  # at most count occurrences
        (("aaa", "a", "bb", 0), 3),
        (("aaa", "a", "bb", -1), 6),  # a negative count is every one
        (("ab", "", "x", None), 5),  # an empty pattern matches around each character
        (("aaa", "aa", "b", None), 3),  # shrinking never counts below the text
        ((b"aa", b"a", b"bbb", None), 6),
        (("ab", 1, "x", None), 0),  # types that replace() refuses
        (("ab", "a", 1, None), 0),
        ((b"aa", "a", b"b", None), 0),
        ((5, "a", "b", None), 0),
    ],
)
def test_replacements_are_estimated(args, estimate):
    assert sizes.replace_size(*args) == estimate


@pytest.mark.parametrize(
    ("separator", "items", "estimate"),
    [
        (", ", ["ab", "c"], 5),
        ("xyz", ["ab"], 2),
        ("xyz", [], 0),
        ("", [1, None], 26),
        ("", ["x" * MAX_VALUE_SIZE, "y", "z"], MAX_VALUE_SIZE + 1),  # stops past the limit
        ("", ["x" * (MAX_VALUE_SIZE - 5), ["y"] * 10], MAX_VALUE_SIZE + 3),
    ],
)
def test_joins_are_estimated(separator, items, estimate):
    assert sizes.join_size(separator, items) == estimate


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "variables", "detail"),
    [
        ("{{ (s|center(n))|length }}", {"s": "x", "n": 1_000_000}, None),
        (
            "{{ s|center(n) }}",
            {"s": "x", "n": 1_000_001},
            "the center filter would make about 1,000,001",
        ),
        (
            "{{ s|center(width=n) }}",
            {"s": "x", "n": 1_000_001},
            "the center filter would make about 1,000,001",
        ),
        # indent: the text, and each line's indent (4 at least): 6 + 2 * 499,997
        ("{{ (s|indent(n))|length }}", {"s": "abc\nde", "n": 499_997}, None),
        (
            "{{ s|indent(n) }}",
            {"s": "abc\nde", "n": 499_998},
            "the indent filter would make about 1,000,002",
        ),
        (
            "{{ s|indent(width=n) }}",
            {"s": "abc\nde", "n": 499_998},
            "the indent filter would make about 1,000,002",
        ),
        (
            "{{ s|indent(w) }}",
            {"s": "abc\nde", "w": "y" * 499_998},
            "the indent filter would make about 1,000,002",
        ),
        ("{{ (s|indent)|length }}", {"s": "x" * 999_991 + "\n"}, None),
        (
            "{{ s|indent }}",
            {"s": "x" * 999_992 + "\n"},
            "the indent filter would make about 1,000,001",
        ),
        (
            "{{ s|indent(1) }}",
            {"s": "x" * 999_992 + "\n"},
            "the indent filter would make about 1,000,001",
        ),
        # wordwrap: the text, times one more than the wrap string
        ("{{ (s|wordwrap(n))|length }}", {"s": "x" * 500_000, "n": 10**6}, None),
        (
            "{{ s|wordwrap(n) }}",
            {"s": "x" * 500_001, "n": 10**6},
            "the wordwrap filter would make about 1,000,002",
        ),
        ("{{ (s|wordwrap(n, true, 'yy'))|length }}", {"s": "x" * 333_333, "n": 10**6}, None),
        (
            "{{ s|wordwrap(n, true, 'yy') }}",
            {"s": "x" * 333_334, "n": 10**6},
            "the wordwrap filter would make about 1,000,002",
        ),
        (
            "{{ s|wordwrap(n, wrapstring='yy') }}",
            {"s": "x" * 333_334, "n": 10**6},
            "the wordwrap filter would make about 1,000,002",
        ),
        # format: as the '%' operator
        ("{{ (f|format(''))|length }}", {"f": "%999992s"}, None),
        ("{{ f|format('') }}", {"f": "%999993s"}, "the format filter would make about 1,000,001"),
        ("{{ ('%(a)s'|format(a=s))|length }}", {"s": "x" * 999_995}, None),
        (
            "{{ '%(a)s'|format(a=s) }}",
            {"s": "x" * 999_996},
            "the format filter would make about 1,000,001",
        ),
        # replace: as str.replace
        ("{{ (s|replace('a', 'bb'))|length }}", {"s": "a" * 500_000}, None),
        (
            "{{ s|replace('a', 'bb') }}",
            {"s": "a" * 500_001},
            "the replace filter would make about 1,000,002",
        ),
        (
            "{{ s|replace(old='a', new='bb') }}",
            {"s": "a" * 500_001},
            "the replace filter would make about 1,000,002",
        ),
        ("{{ (s|replace('a', 'bb', 1))|length }}", {"s": "a" * 999_999}, None),
        (
            "{{ s|replace('a', 'bb', 1) }}",
            {"s": "a" * 1_000_000},
            "the replace filter would make about 1,000,001",
        ),
        (
            "{{ s|replace('a', 'bb', count=1) }}",
            {"s": "a" * 1_000_000},
            "the replace filter would make about 1,000,001",
        ),
        ("{{ n|replace('1', '11') }}", {"n": 121}, "ok"),
        # join: as str.join, of the attribute when one is named
        ("{{ (p|join(s))|length }}", {"s": ",", "p": ["x" * 499_999, "y" * 500_000]}, None),
        (
            "{{ p|join(s) }}",
            {"s": ",", "p": ["x" * 500_000, "y" * 500_000]},
            "the join filter would make about 1,000,001",
        ),
        (
            "{{ p|join(d=s) }}",
            {"s": ",", "p": ["x" * 500_000, "y" * 500_000]},
            "the join filter would make about 1,000,001",
        ),
        (
            "{{ p|join }}",
            {"p": ["x" * 500_000, "y" * 500_001]},
            "the join filter would make about 1,000,001",
        ),
        (
            "{{ (p|join(s, 'a'))|length }}",
            {"s": ",", "p": [{"a": "x" * 499_999}, {"a": "y" * 500_000}]},
            None,
        ),
        (
            "{{ p|join(s, 'a') }}",
            {"s": ",", "p": [{"a": "x" * 500_000}, {"a": "y" * 500_000}]},
            "the join filter would make about 1,000,001",
        ),
        (
            "{{ p|join(attribute='a') }}",
            {"p": [{"a": "x" * 500_000}, {"a": "y" * 500_001}]},
            "the join filter would make about 1,000,001",
        ),
        ("{{ range(3)|map('string')|join('-') }}", {}, "ok"),
        # slice and batch: as many lists or items as they are asked for
        ("{{ range(3)|batch(1000000)|list|length }}", {}, None),
        ("{{ range(3)|batch(1000001)|list }}", {}, "the batch filter would make about 1,000,001"),
        (
            "{{ range(3)|batch(linecount=1000001)|list }}",
            {},
            "the batch filter would make about 1,000,001",
        ),
        ("{{ range(3)|slice(1000001)|list }}", {}, "the slice filter would make about 1,000,001"),
        (
            "{{ range(3)|slice(slices=1000001)|list }}",
            {},
            "the slice filter would make about 1,000,001",
        ),
        # urlize: 3 times the text, and every fourth character a link of 64 and its target
        ("{{ (s|urlize)|length }}", {"s": "x" * 52_629}, None),
        ("{{ s|urlize }}", {"s": "x" * 52_630}, "the urlize filter would make about 1,000,002"),
        (
            "{{ s|urlize(none, false, t) }}",
            {"s": "x" * 52_629, "t": "y"},
            "the urlize filter would make about 1,013,157",
        ),
        (
            "{{ s|urlize(target=t) }}",
            {"s": "x" * 52_629, "t": "y"},
            "the urlize filter would make about 1,013,157",
        ),
        (
            "{{ s|urlize(none, false, none, r) }}",
            {"s": "x" * 52_629, "r": "y"},
            "the urlize filter would make about 1,013,157",
        ),
        (
            "{{ s|urlize(rel=r) }}",
            {"s": "x" * 52_629, "r": "y"},
            "the urlize filter would make about 1,013,157",
        ),
        # truncate: the text and its end
        ("{{ (s|truncate(5))|length }}", {"s": "x" * 999_997}, None),
        (
            "{{ s|truncate(5) }}",
            {"s": "x" * 999_998},
            "the truncate filter would make about 1,000,001",
        ),
        ("{{ (s|truncate(5, end=''))|length }}", {"s": "x" * 1_000_000}, None),
        (
            "{{ s|truncate(5, false, 'ab') }}",
            {"s": "x" * 999_999},
            "the truncate filter would make about 1,000,001",
        ),
        (
            "{{ s|truncate(5, end='ab') }}",
            {"s": "x" * 999_999},
            "the truncate filter would make about 1,000,001",
        ),
    ],
)
def test_filters_are_sized_before_they_run(text, variables, detail):
    if detail == "ok":
        jinja(text, **variables)
    elif detail is None:
        assert int(jinja(text, **variables)) <= MAX_VALUE_SIZE
    else:
        assert refused(text, **variables) == value_refusal(detail)


def test_urlize_counts_a_target_given_by_position():
    # every link would carry the 999,999 characters of its target
    text = "{{ s|urlize(none, false, t) }}"
    refusal = refused(text, s="www.x.com " * 100, t="y" * 999_999)
    assert refusal.detail.startswith("the urlize filter would make about 251,")


def test_filters_still_filter():
    assert jinja("{{ 'ab'|center(4) }}|{{ 'a\nb'|indent(2) }}|{{ 'a b'|wordwrap(1) }}") == (
        " ab |a\n  b|a\nb"
    )
    assert jinja("{{ 'www.x.com'|urlize(none, false, '_top') }}") == (
        '<a href="https://www.x.com" rel="noopener" target="_top">www.x.com</a>'
    )
    assert jinja("{{ 'abcdefgh'|truncate(5, true, '', 0) }}|{{ [1, 2]|tojson }}") == "abcde|[1, 2]"


def test_a_filter_input_at_the_size_limit_is_filtered():
    # 32,258 texts of 29 characters: 2 + (29 + 2) * 32,258 as text
    assert jinja("{{ v|wordcount }}", v=["x" * 29] * 32_258) == "32258"


def test_a_filter_input_one_past_the_size_limit_as_text_is_refused():
    assert refused("{{ v|wordcount }}", v=["x" * 29] * 32_258 + [""]) == value_refusal(
        "the wordcount filter's input, as text, would make about 1,000,002"
    )


# Structural filters do not turn their input into text: a list whose text is past the
# limit, yet each of its items small, goes through them.
BIG = ["x" * 1000] * 1001  # 2 + 1,002 * 1,001 as text
BIG_MAPPING = {str(n): "x" * 1000 for n in range(1000)}
STRUCTURAL_USES = {
    "abs": "{{ v|abs }}",
    "attr": "{{ v|attr('real') is defined }}",
    "batch": "{{ v|batch(2)|list|length }}",
    "count": "{{ v|count }}",
    "d": "{{ v|d|length }}",
    "default": "{{ v|default|length }}",
    "dictsort": "{{ m|dictsort|length }}",
    "first": "{{ v|first }}",
    "float": "{{ v|float }}",
    "groupby": "{{ v|groupby('real')|length }}",
    "int": "{{ v|int }}",
    "items": "{{ m|items|list|length }}",
    "join": "{{ m|join|length }}",
    "last": "{{ v|last }}",
    "length": "{{ v|length }}",
    "list": "{{ v|list|length }}",
    "map": "{{ v|map(attribute='real')|first }}",
    "max": "{{ v|max }}",
    "min": "{{ v|min }}",
    "random": "{{ v|random }}",
    "reject": "{{ v|reject|first }}",
    "rejectattr": "{{ v|rejectattr('real')|first }}",
    "reverse": "{{ v|reverse|first }}",
    "round": "{{ v|round }}",
    "select": "{{ v|select|list|length }}",
    "selectattr": "{{ v|selectattr('real')|list|length }}",
    "slice": "{{ v|slice(2)|list|length }}",
    "sort": "{{ v|sort|length }}",
    "sum": "{{ v|sum }}",
    "unique": "{{ v|unique|list|length }}",
}


def test_every_structural_filter_has_a_use_below():
    assert set(STRUCTURAL_USES) == STRUCTURAL_FILTERS


@pytest.mark.parametrize("name", sorted(STRUCTURAL_USES))
def test_structural_filters_take_values_whose_text_is_past_the_limit(name):
    try:
        jinja(STRUCTURAL_USES[name], v=BIG, m=BIG_MAPPING)
    except TemplateError as error:  # abs of a list, a text's undefined attribute...
        assert "exceeds the" not in str(error)


@pytest.mark.parametrize("name", ["upper", "string", "md", "pprint", "trim", "title"])
def test_filters_that_make_text_refuse_an_input_whose_text_is_past_the_limit(name):
    # the estimate stops at the first item past the limit: 2 + 1,002 * 999
    assert refused(f"{{{{ v|{name} }}}}", v=BIG) == value_refusal(
        f"the {name} filter's input, as text, would make about 1,001,000"
    )


def test_a_filter_argument_at_the_size_limit_is_taken():
    assert jinja("{{ missing|default(big)|length }}", big="y" * MAX_VALUE_SIZE) == "1000000"


@pytest.mark.parametrize(
    "text", ["{{ 'x'|default(big) }}", "{{ 'x'|default(default_value=big) }}"]
)
def test_a_filter_argument_one_past_the_size_limit_is_refused(text):
    assert refused(text, big=b"y" * (MAX_VALUE_SIZE + 1)) == value_refusal(
        "the default filter got an argument of 1,000,001 characters"
    )


def test_a_filter_result_past_the_size_limit_is_refused():
    assert jinja("{{ (s|list)|length }}", s="x" * MAX_VALUE_SIZE) == "1000000"
    assert refused("{{ s|list }}", s="x" * (MAX_VALUE_SIZE + 1)) == value_refusal(
        "the list filter made 1,000,001"
    )


# --- the sum filter ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ("{{ (v|sum(start=[]))|length }}", {"v": [[0] * 500_000, [1] * 500_000]}),
        ("{{ (v|sum(none, []))|length }}", {"v": [[0] * 500_000, [1] * 500_000]}),
        ("{{ (v|sum(start=(0,)))|length }}", {"v": [(0,) * 500_000, (1,) * 499_999]}),
        ("{{ (v|sum('a', []))|length }}", {"v": [{"a": [0] * 500_000}, {"a": [1] * 500_000}]}),
        (
            "{{ (v|sum(attribute='a', start=[]))|length }}",
            {"v": [{"a": [0] * 500_000}, {"a": [1] * 500_000}]},
        ),
    ],
)
def test_a_sum_of_lists_at_the_size_limit_is_made(text, variables):
    assert jinja(text, **variables) == "1000000"


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ("{{ v|sum(start=[]) }}", {"v": [[0] * 500_000, [1] * 500_001]}),
        ("{{ v|sum(none, []) }}", {"v": [[0] * 500_000, [1] * 500_001]}),
        ("{{ v|sum(start=(0,)) }}", {"v": [(0,) * 500_000, (1,) * 500_000]}),
        ("{{ v|sum('a', []) }}", {"v": [{"a": [0] * 500_000}, {"a": [1] * 500_001}]}),
        (
            "{{ v|sum(attribute='a', start=[]) }}",
            {"v": [{"a": [0] * 500_000}, {"a": [1] * 500_001}]},
        ),
    ],
)
def test_a_sum_of_lists_one_past_the_size_limit_is_refused_before_it_is_made(text, variables):
    assert refused(text, **variables) == value_refusal("the sum filter would make about 1,000,001")


def test_sums_still_add():
    assert jinja("{{ [[1], [2, 3]]|sum(start=[0]) }}|{{ [(1,), (2,)]|sum(start=()) }}") == (
        "[0, 1, 2, 3]|(1, 2)"
    )
    assert jinja("{{ [[1], [2]]|map('list')|sum(start=[]) }}") == "[1, 2]"
    assert jinja("{{ [{'a': [1]}, {'a': [2]}]|sum('a', []) }}|{{ [1, 2]|sum }}") == "[1, 2]|3"
    assert jinja("{{ [1, 2]|sum(start=10) }}") == "13"
    with pytest.raises(TemplateError, match="failed to render: TypeError"):
        jinja("{{ [[1], (2,)]|sum(start=[]) }}")  # a list and a tuple do not add
