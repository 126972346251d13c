"""Hostile settings files and data: loading gives Settings or SettingsError, nothing else.

Property-based (hypothesis) over arbitrary JSON and TOML documents, raw bytes, arbitrary
decoded data and mutations of valid files; plus the known escapes one by one: huge
integers, deep nesting, /dev/zero, FIFOs, directories, symlink loops, oversized files,
unreadable files, invalid UTF-8.

With ``KITSU_RELIABILITY_OUT`` naming a directory, the number of examples each property
test tried is written there to ``settings_hostile.json``.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import math
import os
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kitsu_publish import settings
from kitsu_publish.errors import SettingsError
from kitsu_publish.settings import MAX_DEPTH, MAX_SETTINGS_BYTES, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

FUZZ = hsettings(
    max_examples=200,
    deadline=None,
    database=None,  # no .hypothesis directory in the working tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BUG = "this is a bug in kitsu-publish"
POSIX = pytest.mark.skipif(os.name != "posix", reason="POSIX file types")

# --- how many hostile inputs were tried ---------------------------------------------------

TRIED: dict[str, int] = {}


def tried(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def reliability_record():
    yield
    out = os.environ.get("KITSU_RELIABILITY_OUT", "")
    if out and TRIED:
        os.makedirs(out, exist_ok=True)
        text = json.dumps(TRIED, indent=2, sort_keys=True) + "\n"
        Path(out, "settings_hostile.json").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


# --- outcomes -----------------------------------------------------------------------------


def outcome(call: Callable[[], Settings], source: str) -> Settings | SettingsError:
    """The only outcomes allowed: Settings, or a SettingsError naming the source."""
    try:
        result = call()
    except SettingsError as exc:
        assert str(exc).startswith(f"{source}: "), str(exc)
        assert BUG not in str(exc), str(exc)
        assert len(str(exc)) < 2000, str(exc)[:300]
        return exc
    assert isinstance(result, Settings)
    assert result.source == source
    return result


def load_bytes(workdir: Path, name: str, raw: bytes) -> Settings | SettingsError:
    path = workdir / name
    path.write_bytes(raw)
    return outcome(lambda: settings.load_file(path), str(path))


def error_of_file(path: Path | str) -> str:
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    return message


def error_of_data(data: Any, source: str = "data.json") -> str:
    with pytest.raises(SettingsError) as info:
        settings.parse(data, source)
    return str(info.value)


def load_in_subprocess(path: Path, timeout: float = 30) -> str:
    """load_file in a child with 1 GiB of address space: a regression fails, never hangs."""
    code = textwrap.dedent(
        """\
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from kitsu_publish import settings
        from kitsu_publish.errors import SettingsError
        try:
            settings.load_file(sys.argv[1])
        except SettingsError as exc:
            print("SettingsError:", exc)
        else:
            print("Settings")
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"load_file({path}) did not return within {timeout} s")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


# --- writing documents --------------------------------------------------------------------


class Raw(str):
    """A number literal written verbatim (too large for json.dumps on Python >= 3.11)."""


def to_json(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(k)}: {to_json(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    return json.dumps(value)  # None, bool, int, float (NaN, Infinity), str


def toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    raise TypeError(value)


def to_toml(document: dict[str, Any]) -> str:
    return "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in document.items())


# --- valid documents and strategies -------------------------------------------------------

VALID_TOML = """\
[kitsu]
server = "https://kitsu.example.com/api"
connect_timeout = 5
read_timeout = 30.5

[IntegrateKitsuNote]
enabled = true
set_status_note = true
note_status_shortname = "wfa"
note_per_instance = false

[[IntegrateKitsuNote.status_change_conditions.status_conditions]]
condition = "equal"
short_name = "wip"

[[IntegrateKitsuNote.status_change_conditions.product_type_requirements]]
condition = "not_equal"
product_type = "workfile"

[IntegrateKitsuNote.custom_comment_template]
enabled = true
syntax = "jinja"
comment_template = \"\"\"{{ comment }}
{% for i in instances %}| {{ i.name }} |
{% endfor %}\"\"\"
"""

VALID_EXPORT: dict[str, Any] = {
    "kitsu": {
        "server": "https://kitsu.studio/api",
        "entities_naming_pattern": {"episode": "E##", "shot": "SH##"},
        "publish": {
            "CollectKitsuEntities": {"enabled": True, "optional": False},
            "IntegrateKitsuNote": {
                "enabled": True,
                "optional": False,
                "active": True,
                "set_status_note": True,
                "note_status_shortname": "wfa",
                "status_change_conditions": {
                    "status_conditions": [{"condition": "equal", "short_name": "wip"}],
                    "family_requirements": [{"condition": "not_equal", "family": "workfile"}],
                },
                "custom_comment_template": {"enabled": True, "comment_template": "{comment}"},
            },
        },
    },
    "core": {"publish": {"ValidateVersion": {"enabled": True, "profiles": [[1, 2], {}]}}},
}

VALID_OWN: dict[str, Any] = tomllib.loads(VALID_TOML)

KNOWN_KEYS = [
    "kitsu",
    "server",
    "connect_timeout",
    "read_timeout",
    "IntegrateKitsuNote",
    "publish",
    "enabled",
    "optional",
    "active",
    "set_status_note",
    "note_status_shortname",
    "status_change_conditions",
    "status_conditions",
    "product_type_requirements",
    "family_requirements",
    "condition",
    "short_name",
    "product_type",
    "family",
    "custom_comment_template",
    "comment_template",
    "syntax",
    "note_per_instance",
    "password",
    "token",
    "login",
]
keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=12)
plausible_strings = st.sampled_from(
    ["equal", "not_equal", "jinja", "legacy", "wfa", "", "  ", "{{ comment }}", "{comment}"]
)
strings = plausible_strings | st.text(max_size=30)
big_literals = st.builds(
    lambda sign, digits: Raw(sign + "9" * digits),
    st.sampled_from(["", "-"]),
    st.integers(min_value=19, max_value=6000),
)
hex_literals = st.integers(min_value=16, max_value=6000).map(lambda n: Raw("0x" + "f" * n))
edge_integers = st.sampled_from([0, -1, 600, 601, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1])
floats = st.floats() | st.sampled_from([1e308, -1e308, 5e-324, 600.0000001])
numbers = st.integers() | edge_integers | floats

json_leaves = st.none() | st.booleans() | numbers | strings | big_literals
toml_leaves = (
    st.booleans()
    | numbers
    | strings
    | big_literals
    | hex_literals
    | st.datetimes()
    | st.dates()
    | st.times()
)


def containers(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4)
        ),
        max_leaves=20,
    )


def shaped(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Documents of the settings' own shapes, any value anywhere: reaches the validation."""

    def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return strategy | values

    condition = st.fixed_dictionaries(
        {},
        optional={
            "condition": maybe(st.sampled_from(["equal", "not_equal"])),
            "short_name": maybe(plausible_strings),
            "product_type": maybe(plausible_strings),
            "family": maybe(plausible_strings),
        },
    )
    conditions = maybe(st.lists(maybe(condition), max_size=3))
    note = st.fixed_dictionaries(
        {},
        optional={
            "enabled": maybe(st.booleans()),
            "optional": maybe(st.booleans()),
            "set_status_note": maybe(st.booleans()),
            "note_per_instance": maybe(st.booleans()),
            "note_status_shortname": maybe(plausible_strings),
            "status_change_conditions": maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "status_conditions": conditions,
                        "product_type_requirements": conditions,
                        "family_requirements": conditions,
                    },
                )
            ),
            "custom_comment_template": maybe(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "enabled": maybe(st.booleans()),
                        "comment_template": maybe(plausible_strings),
                        "syntax": maybe(plausible_strings),
                    },
                )
            ),
        },
    )
    connection = st.fixed_dictionaries(
        {},
        optional={
            "server": maybe(st.just("https://k")),
            "connect_timeout": maybe(st.floats(0, 700) | st.integers(-5, 700)),
            "read_timeout": maybe(st.floats(0, 700) | st.integers(-5, 700)),
        },
    )
    own = st.fixed_dictionaries(
        {}, optional={"kitsu": maybe(connection), "IntegrateKitsuNote": note}
    )
    addon = st.fixed_dictionaries(
        {"publish": st.fixed_dictionaries({}, optional={"IntegrateKitsuNote": maybe(note)})},
        optional={"server": maybe(st.just("https://k")), "other": values},
    )
    export = addon | st.fixed_dictionaries({"kitsu": addon}, optional={"core": values})
    return own | export


json_values = containers(json_leaves)
json_documents = shaped(json_values) | st.dictionaries(keys, json_values) | json_values
toml_values = containers(toml_leaves)
toml_documents = shaped(toml_values) | st.dictionaries(keys, toml_values, max_size=6)

# anything a caller could hand to parse(): non-string keys, tuples, bytes, huge ints
odd_keys = (
    keys | st.integers() | st.none() | st.booleans() | st.floats() | st.tuples(st.integers())
)
any_leaves = (
    json_leaves
    | st.integers(min_value=0, max_value=6000).map(lambda n: 10**n)
    | st.datetimes()
    | st.binary(max_size=10)
    | st.just(float("nan"))
)
any_values = st.recursive(
    any_leaves,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(odd_keys, children, max_size=4)
    ),
    max_leaves=20,
)
any_data = shaped(any_values) | any_values

TOKENS = [
    "[", "]", "{", "}", '"', "'", '"""', "=", ",", ":", ".", "\n", " ", "#", "a", "1",
    "-", "+", "e", "0x", "0o", "0b", "_", "nan", "inf", "true", "null", "NaN", "Infinity",
    "kitsu", "IntegrateKitsuNote", "publish", "1979-05-27T07:32:00", "\\u0000", "\\",
    "\r", "\t", "\x00", "\ufeff", "[[", "]]", "9" * 30,
]  # fmt: skip
token_text = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@st.composite
def mutated_data(draw: Any, base: Any, values: st.SearchStrategy[Any]) -> Any:
    """A valid document with one to three values replaced, deleted or added."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        node = document
        while True:
            if isinstance(node, dict):
                children = list(node.items())
            elif isinstance(node, list):
                children = list(enumerate(node))
            else:
                break
            if not children:
                break
            key, child = draw(st.sampled_from(children))
            if isinstance(child, (dict, list)) and child and draw(st.booleans()):
                node = child
                continue
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                node[key] = draw(values)
            elif action == "delete":
                del node[key]
            elif isinstance(node, dict):
                node[draw(keys)] = draw(values)
            else:
                node.append(draw(values))
            break
    return document


@st.composite
def mutated_bytes(draw: Any, base: bytes) -> bytes:
    """A valid file with one to five byte-level edits: delete, insert, replace, duplicate."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        size = draw(st.integers(0, 16))
        action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        if action == "delete":
            del data[at : at + size]
        elif action == "insert":
            data[at:at] = draw(st.binary(max_size=8) | st.sampled_from(TOKENS).map(str.encode))
        elif action == "replace":
            data[at : at + size] = draw(
                st.binary(min_size=size, max_size=size) | st.text(max_size=size).map(str.encode)
            )
        else:
            data[at:at] = data[at : at + size]
    return bytes(data)


# --- properties ---------------------------------------------------------------------------


@FUZZ
@given(document=json_documents)
def test_any_json_document_gives_settings_or_settings_error(workdir, document):
    tried("test_any_json_document_gives_settings_or_settings_error")
    load_bytes(workdir, "doc.json", to_json(document).encode("utf-8"))


@FUZZ
@given(document=toml_documents)
def test_any_toml_document_gives_settings_or_settings_error(workdir, document):
    tried("test_any_toml_document_gives_settings_or_settings_error")
    load_bytes(workdir, "doc.toml", to_toml(document).encode("utf-8"))


@FUZZ
@given(
    raw=st.binary(max_size=300) | token_text.map(str.encode),
    suffix=st.sampled_from([".toml", ".json"]),
)
def test_any_bytes_give_settings_or_settings_error(workdir, raw, suffix):
    tried("test_any_bytes_give_settings_or_settings_error")
    load_bytes(workdir, "raw" + suffix, raw)


@FUZZ
@given(data=any_data, exports=st.booleans())
def test_parse_of_any_data_gives_settings_or_settings_error(data, exports):
    tried("test_parse_of_any_data_gives_settings_or_settings_error")
    outcome(lambda: settings.parse(data, "data", exports=exports), "data")


@FUZZ
@given(document=mutated_data(VALID_EXPORT, json_values))
def test_mutated_export_gives_settings_or_settings_error(workdir, document):
    tried("test_mutated_export_gives_settings_or_settings_error")
    load_bytes(workdir, "mutated.json", to_json(document).encode("utf-8"))
    outcome(lambda: settings.parse(document, "mutated"), "mutated")


@FUZZ
@given(document=mutated_data(VALID_OWN, toml_values))
def test_mutated_own_settings_give_settings_or_settings_error(workdir, document):
    tried("test_mutated_own_settings_give_settings_or_settings_error")
    if isinstance(document, dict):
        load_bytes(workdir, "mutated.toml", to_toml(document).encode("utf-8"))
    outcome(lambda: settings.parse(document, "mutated", exports=False), "mutated")


@FUZZ
@given(
    raw=mutated_bytes(VALID_TOML.encode()) | mutated_bytes(to_json(VALID_EXPORT).encode()),
    suffix=st.sampled_from([".toml", ".json"]),
)
def test_byte_mutations_of_valid_files_give_settings_or_settings_error(workdir, raw, suffix):
    tried("test_byte_mutations_of_valid_files_give_settings_or_settings_error")
    load_bytes(workdir, "bytes" + suffix, raw)


def test_the_valid_documents_load_and_the_writers_round_trip(tmp_path):
    own = load_bytes(tmp_path, "own.toml", VALID_TOML.encode())
    assert isinstance(own, Settings)
    assert own.read_timeout == 30.5
    written = load_bytes(tmp_path, "written.toml", to_toml(VALID_OWN).encode())
    assert written == dataclasses.replace(own, source=str(tmp_path / "written.toml"))
    export = load_bytes(tmp_path, "export.json", to_json(VALID_EXPORT).encode())
    assert isinstance(export, Settings)
    assert export.server == "https://kitsu.studio/api"
    leaves = {
        "s": 'q"\\\x00\x7f\U0001f600',
        "f": -0.0,
        "d": datetime.date(5, 1, 2),
        "i": 2**63 - 1,
    }
    assert tomllib.loads(to_toml(leaves)) == leaves


# --- huge numbers ---------------------------------------------------------------------------

DIGITS_5000 = "1" + "0" * 4999


def int_digit_limit() -> int:
    """Python's limit on int() of decimal text (3.11+, and 3.9.14+/3.10.7+); 0: none."""
    get = getattr(sys, "get_int_max_str_digits", None)
    return get() if get is not None else 0


def test_5000_digit_integer_in_json_is_refused_on_every_python(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(f'{{"kitsu": {{"connect_timeout": {DIGITS_5000}}}}}', encoding="utf-8")
    assert error_of_file(path) == (
        f"{path}: not valid JSON: an integer of 5000 digits; "
        "integers in a settings file must fit in 64 bits"
    )


def test_5000_digit_integer_in_an_ignored_export_section_is_refused_too(tmp_path):
    path = tmp_path / "big.json"
    document = copy.deepcopy(VALID_EXPORT)
    document["core"]["publish"]["ValidateVersion"]["limit"] = Raw("-" + DIGITS_5000)
    path.write_text(to_json(document), encoding="utf-8")
    assert "an integer of 5000 digits" in error_of_file(path)


def test_5000_digit_integer_in_toml_is_refused(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text(f"[kitsu]\nconnect_timeout = {DIGITS_5000}\n", encoding="utf-8")
    message = error_of_file(path)
    limit = int_digit_limit()
    if limit and limit < 5000:  # the decoder's int() refuses it
        assert message == (
            f"{path}: not valid TOML: an integer has too many digits; "
            "integers in a settings file must fit in 64 bits"
        )
    else:  # decoded to a Python int: our own check refuses it, without printing it
        assert message == (
            f"{path}: kitsu.connect_timeout: an integer of about 5000 digits; "
            "integers in a settings file must fit in 64 bits"
        )


def test_5000_digit_hex_integer_in_toml_is_refused_without_printing_it(tmp_path):
    path = tmp_path / "hex.toml"
    path.write_text("[kitsu]\nread_timeout = 0x" + "f" * 5000 + "\n", encoding="utf-8")
    assert error_of_file(path) == (
        f"{path}: kitsu.read_timeout: an integer of about 6021 digits; "
        "integers in a settings file must fit in 64 bits"
    )


def test_huge_integer_given_to_parse_is_refused():
    message = error_of_data({"kitsu": {"connect_timeout": 10**4999}})
    assert message.startswith("data.json: kitsu.connect_timeout: an integer of about 5000 digits")


def test_every_value_is_bounded_not_only_those_before_the_first_plain_one():
    # the walk takes the last value first: the plain values come after the table holding
    # the huge integer, so they are walked before it
    data = {"IntegrateKitsuNote": {
        "status_profiles": [{"set_status_note": 2**64, "task_types": ["x"]}], "enabled": True
    }, "kitsu": {"connect_timeout": 5, "server": "https://k"}}  # fmt: skip
    message = error_of_data(data)
    assert message.startswith(
        "data.json: IntegrateKitsuNote.status_profiles[0].set_status_note: an integer of 20 digits"
    ), message


def test_a_huge_integer_at_the_top_level_is_named_as_such():
    assert error_of_data(10**30).startswith("data.json: (top level): an integer of 31 digits")


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1])
def test_integers_just_outside_64_bits_are_refused(tmp_path, value):
    for name, text in [
        ("x.json", f'{{"kitsu": {{"connect_timeout": {value}}}}}'),
        ("x.toml", f"kitsu.connect_timeout = {value}\n"),
    ]:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert "kitsu.connect_timeout: an integer of 19 digits" in error_of_file(path)


def test_the_largest_64_bit_integer_is_read_and_refused_as_a_timeout():
    message = error_of_data({"kitsu": {"connect_timeout": 2**63 - 1}})
    assert message == (
        "data.json: kitsu.connect_timeout: expected seconds between 0 and 600, "
        "found 9223372036854775807"
    )


@pytest.mark.parametrize(
    ("name", "text", "shown"),
    [
        ("nan.json", '{"kitsu": {"read_timeout": NaN}}', "nan"),
        ("inf.json", '{"kitsu": {"read_timeout": Infinity}}', "inf"),
        ("minf.json", '{"kitsu": {"read_timeout": -Infinity}}', "-inf"),
        ("huge.json", '{"kitsu": {"read_timeout": 1e400}}', "inf"),
        ("huge2.json", '{"kitsu": {"read_timeout": 1.5e308}}', "1.5e+308"),
        ("tiny.json", '{"kitsu": {"read_timeout": 1e-400}}', "0.0"),
        ("nan.toml", "[kitsu]\nread_timeout = nan\n", "nan"),
        ("inf.toml", "[kitsu]\nread_timeout = +inf\n", "inf"),
        ("huge.toml", "[kitsu]\nread_timeout = 1e999\n", "inf"),
    ],
)
def test_non_finite_and_absurd_timeouts_are_refused(tmp_path, name, text, shown):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert error_of_file(path) == (
        f"{path}: kitsu.read_timeout: expected seconds between 0 and 600, found {shown}"
    )


# --- deep nesting ---------------------------------------------------------------------------


def nested_lists(levels: int) -> Any:
    value: Any = []
    for _ in range(levels - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"kitsu": ' + "[" * 2000 + "]" * 2000 + "}"),
        ("deep-objects.json", '{"a": ' * 2000 + "1" + "}" * 2000),
        ("deep.toml", "a = " + "[" * 2000 + "]" * 2000 + "\n"),
        ("deep-inline.toml", "a = " + "{ b = " * 2000 + "1" + " }" * 2000 + "\n"),
        ("deep-dotted.toml", "a" + ".a" * 2000 + " = 1\n"),
        ("deep-header.toml", "[a" + ".a" * 2000 + "]\n"),
    ],
)
def test_2000_deep_nesting_is_refused(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    message = error_of_file(path)
    assert f"nested too deeply (at most {MAX_DEPTH} levels of tables and lists)" in message


def test_nesting_up_to_the_limit_is_read_one_more_is_refused():
    def export(levels_below_publish: int) -> dict[str, Any]:
        # top table, 'publish' table, then lists: 2 + levels_below_publish levels
        other = nested_lists(levels_below_publish)
        return {"publish": {"IntegrateKitsuNote": {}, "Other": other}}

    assert isinstance(settings.parse(export(MAX_DEPTH - 2)), Settings)
    message = error_of_data(export(MAX_DEPTH - 1))
    assert message.startswith("data.json: publish.Other" + "[0]" * (MAX_DEPTH - 2) + ": nested")


def test_2000_deep_data_given_to_parse_is_refused():
    assert "nested too deeply" in error_of_data({"kitsu": nested_lists(2000)})


def test_cyclic_data_given_to_parse_is_refused():
    cycle: dict[str, Any] = {}
    cycle["kitsu"] = cycle
    assert "nested too deeply" in error_of_data(cycle)


def test_widely_shared_data_given_to_parse_is_walked_quickly():
    node: Any = "leaf"
    for _ in range(MAX_DEPTH - 3):
        node = [node, node]  # 2**29 paths, 29 distinct lists
    started = time.monotonic()
    result = settings.parse({"publish": {"IntegrateKitsuNote": {}, "Other": node}})
    assert isinstance(result, Settings)
    assert time.monotonic() - started < 5


def test_keys_that_are_not_strings_are_refused():
    message = error_of_data({"kitsu": {1: "x"}})
    assert message == ("data.json: kitsu: table keys must be strings, found a key of type int")
    assert "found a key of type tuple" in error_of_data({(1, 2): {}})


def test_very_long_unknown_key_is_cut_in_the_message():
    message = error_of_data({"kitsu": {"x" * 100_000: 1}})
    assert message.startswith("data.json: kitsu." + "x" * 77 + "...: unknown key")
    assert len(message) < 300


@pytest.mark.parametrize(("length", "shown"), [(80, "y" * 80), (81, "y" * 77 + "...")])
def test_keys_of_more_than_80_characters_are_cut(length, shown):
    with pytest.raises(SettingsError) as info:
        settings.parse({"kitsu": {"y" * length: 1}}, "data.json")
    assert info.value.key == f"kitsu.{shown}"


def test_the_limits():
    assert MAX_DEPTH == 32
    assert MAX_SETTINGS_BYTES == 1024 * 1024
    assert (settings.MIN_INTEGER, settings.MAX_INTEGER) == (-(2**63), 2**63 - 1)


# --- decoders failing outside their own error type ------------------------------------------

TOO_LARGE = "integers in a settings file must fit in 64 bits"


@pytest.mark.parametrize(
    ("raised", "reason"),
    [
        (RecursionError("deep"), f"nested too deeply (at most {MAX_DEPTH} levels of tables"),
        (MemoryError(), "out of memory while decoding"),
        (
            ValueError("Exceeds the limit (4300 digits) for integer string conversion"),
            f"an integer has too many digits; {TOO_LARGE}",
        ),
        (ValueError("odd"), "ValueError: 'odd'"),
        (TypeError("x" * 300), "TypeError: '" + "x" * 196 + "..."),
    ],
    ids=["recursion", "memory", "digits", "value", "type"],
)
@pytest.mark.parametrize(
    ("decoder", "suffix", "kind"), [(json, ".json", "JSON"), (tomllib, ".toml", "TOML")]
)
def test_a_decoder_failing_otherwise_is_a_settings_error(
    tmp_path, monkeypatch, raised, reason, decoder, suffix, kind
):
    def failing(*args, **kwargs):
        raise raised

    path = tmp_path / f"studio{suffix}"
    path.write_text("{}" if suffix == ".json" else "", encoding="utf-8")
    monkeypatch.setattr(decoder, "loads", failing)
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert info.value.key == ""
    assert str(info.value).startswith(f"{path}: not valid {kind}: {reason}")
    assert info.value.__cause__ is None and info.value.__suppress_context__


# --- file types -----------------------------------------------------------------------------


@POSIX
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path):
    path = tmp_path / "zero.toml"
    path.symlink_to("/dev/zero")
    assert load_in_subprocess(path) == (
        f"SettingsError: {path}: cannot be read: not a regular file (it is a character "
        "device); set KITSU_PUBLISH_SETTINGS to a .toml or .json settings file"
    )
    assert "character device" in error_of_file(path)


@POSIX
def test_a_fifo_is_refused_at_once(tmp_path):
    path = tmp_path / "fifo.json"
    os.mkfifo(path)
    started = time.monotonic()
    output = load_in_subprocess(path, timeout=30)
    assert output.startswith(f"SettingsError: {path}: cannot be read: not a regular file")
    assert "(it is a FIFO (named pipe))" in output
    assert time.monotonic() - started < 20


@POSIX
def test_a_fifo_swapped_in_after_the_stat_does_not_block(tmp_path, monkeypatch):
    """The open is non-blocking and fstat is checked again: no hang on a racing swap."""
    path = tmp_path / "race.toml"
    os.mkfifo(path)
    regular = os.stat(__file__)
    real_stat = os.stat

    def stat_saying_regular(target, *args, **kwargs):
        return regular if str(target) == str(path) else real_stat(target, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat_saying_regular)
    result: dict[str, Any] = {}

    def call() -> None:
        try:
            settings.load_file(path)
        except BaseException as exc:
            result["error"] = exc

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():  # a regression: release the blocked open() before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)
        pytest.fail("load_file blocked on a FIFO")
    assert isinstance(result.get("error"), SettingsError), result
    assert "not a regular file (it is a FIFO (named pipe))" in str(result["error"])


def test_a_directory_is_refused(tmp_path):
    path = tmp_path / "studio.toml"
    path.mkdir()
    assert error_of_file(path) == (
        f"{path}: cannot be read: not a regular file (it is a directory); "
        "set KITSU_PUBLISH_SETTINGS to a .toml or .json settings file"
    )


@POSIX
def test_a_symlink_loop_is_refused(tmp_path):
    one, two = tmp_path / "one.toml", tmp_path / "two.toml"
    one.symlink_to(two)
    two.symlink_to(one)
    message = error_of_file(one)
    assert message.startswith(f"{one}: cannot be read: ")
    assert "symbolic links" in message


@POSIX
def test_a_dangling_symlink_is_file_not_found(tmp_path):
    path = tmp_path / "gone.json"
    path.symlink_to(tmp_path / "nowhere.json")
    assert "file not found" in error_of_file(path)


@POSIX
@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads a chmod 000 file"
)
def test_an_unreadable_file_is_refused(tmp_path):
    path = tmp_path / "secret.toml"
    path.write_text("[kitsu]\n", encoding="utf-8")
    path.chmod(0)
    try:
        assert error_of_file(path) == (
            f"{path}: cannot be read: permission denied (make the file readable by this user)"
        )
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_invalid_utf8_is_refused(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"kitsu": {"server": "caf\xe9"}}')
    assert error_of_file(path) == (
        f"{path}: cannot be read: not UTF-8 text (invalid continuation byte at byte 25); "
        "save the file with the UTF-8 encoding"
    )


def test_a_path_with_a_nul_byte_is_refused():
    message = error_of_file("stu\x00dio.toml")
    assert "cannot be read: not a valid path" in message


def test_crlf_line_endings_read_as_before(tmp_path):
    path = tmp_path / "windows.toml"
    text = '[IntegrateKitsuNote.custom_comment_template]\r\ncomment_template = """a\r\nb"""\r\n'
    path.write_bytes(text.encode())
    assert settings.load_file(path).template.text == "a\nb"


# --- size -----------------------------------------------------------------------------------


def test_a_file_of_exactly_the_limit_is_read(tmp_path):
    path = tmp_path / "padded.toml"
    body = b'[IntegrateKitsuNote]\nnote_status_shortname = "rev"\n#'
    path.write_bytes(body + b"x" * (MAX_SETTINGS_BYTES - len(body)))
    assert settings.load_file(path).note_status_shortname == "rev"


def test_a_file_one_byte_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (MAX_SETTINGS_BYTES + 1))
    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    started = time.monotonic()
    assert error_of_file(path) == (
        f"{path}: cannot be read: too large for a settings file ({MAX_SETTINGS_BYTES + 1} "
        f"bytes; at most {MAX_SETTINGS_BYTES} bytes); check that KITSU_PUBLISH_SETTINGS "
        "names the studio settings file"
    )
    assert time.monotonic() - started < 1
    assert reads == []


def test_a_huge_sparse_file_is_refused_at_once(tmp_path):
    path = tmp_path / "sparse.toml"
    with open(path, "wb") as f:
        f.truncate(64 * 1024**3)
    started = time.monotonic()
    assert "too large for a settings file (68719476736 bytes" in error_of_file(path)
    assert time.monotonic() - started < 1


def test_a_file_lying_about_its_size_is_read_no_further_than_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "liar.toml"
    path.write_bytes(b"#" * (4 * MAX_SETTINGS_BYTES))
    real_stat, real_fstat, real_read = os.stat, os.fstat, os.read

    def small(result: os.stat_result) -> os.stat_result:
        fields = list(result)
        fields[stat.ST_SIZE] = 0  # as procfs says
        return os.stat_result(fields)

    monkeypatch.setattr(os, "stat", lambda p, *a, **k: small(real_stat(p, *a, **k)))
    monkeypatch.setattr(os, "fstat", lambda fd: small(real_fstat(fd)))
    read = []
    monkeypatch.setattr(os, "read", lambda fd, n: read.append(n) or real_read(fd, n))
    assert "too large for a settings file (more than 1048576 bytes" in error_of_file(path)
    assert sum(read) == MAX_SETTINGS_BYTES + 1


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="no procfs")
def test_a_procfs_file_is_read_and_refused_as_not_toml(tmp_path):
    path = tmp_path / "proc.toml"
    path.symlink_to("/proc/self/status")
    assert error_of_file(path).startswith(f"{path}: not valid TOML: ")
