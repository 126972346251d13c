"""The JSON Schema of the settings file (``kitsu-publish schema``, settings.schema.json).

It is generated from the key definitions the loader reads, so the two must agree: every
example settings file of the docs and the tests is judged the same by the schema (with
the ``jsonschema`` library) and by the loader, and so is any document hypothesis makes
of the settings' shapes. Where the schema cannot say what the loader does, the test
says so (:func:`beyond_the_schema`).
"""

from __future__ import annotations

import ast
import json
import math
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import test_settings  # the loader's own tests, beside this file
import test_settings_hostile as hostile
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kitsu_publish import settings
from kitsu_publish.errors import SettingsError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = settings.json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def schema_error(data: Any) -> str | None:
    """The schema's verdict: None when valid, else its best error."""
    error = jsonschema.exceptions.best_match(VALIDATOR.iter_errors(data))
    return None if error is None else f"{'/'.join(map(str, error.absolute_path))}: {error.message}"


def loader_error(data: Any) -> str | None:
    """The loader's verdict on decoded data, as for a .json file."""
    try:
        settings.parse(data, "data.json")
    except SettingsError as exc:
        return str(exc)
    return None


def beyond_the_schema(data: Any, depth: int = 0) -> bool:
    """Data the loader refuses for reasons JSON Schema does not express here: nesting
    deeper than MAX_DEPTH, integers beyond 64 bits, NaN (JSON Schema's comparisons are
    all false for it)."""
    if depth >= settings.MAX_DEPTH:
        return True
    if isinstance(data, bool):
        return False
    if isinstance(data, int):
        return not settings.MIN_INTEGER <= data <= settings.MAX_INTEGER
    if isinstance(data, float):
        return math.isnan(data)
    if isinstance(data, dict):
        return any(beyond_the_schema(v, depth + 1) for v in data.values())
    if isinstance(data, list):
        return any(beyond_the_schema(v, depth + 1) for v in data)
    return False


def assert_agree(data: Any) -> None:
    by_schema, by_loader = schema_error(data), loader_error(data)
    assert (by_schema is None) == (by_loader is None), (
        f"schema: {by_schema or 'valid'}; loader: {by_loader or 'valid'}; data: {data!r}"[:3000]
    )


# --- the shipped file ---------------------------------------------------------------------


def test_the_shipped_schema_file_is_the_generated_one():
    shipped = settings.SCHEMA_FILE.read_text(encoding="utf-8")
    assert shipped == settings.json_schema_text(), (
        "src/kitsu_publish/settings.schema.json is out of date: regenerate it with "
        "`kitsu-publish schema -o src/kitsu_publish/settings.schema.json`"
    )


def test_the_shipped_schema_file_holds_the_generated_schema():
    shipped = json.loads(settings.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert shipped == SCHEMA  # lists, not tuples: what json.load gives an editor
    assert SCHEMA["$defs"]["settings"]["title"] == "kitsu-publish settings"


def test_the_schema_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert jsonschema.validators.validator_for(SCHEMA) is jsonschema.Draft202012Validator


def key_paths(table: Any, prefix: str = "") -> list[str]:
    paths = []
    for key in table.keys:
        path = f"{prefix}.{key.name}" if prefix else key.name
        paths.append(path)
        if isinstance(key, type(settings.SETTINGS_FILE)):
            paths.extend(key_paths(key, path))
    return paths


def schema_at(schema: dict[str, Any], path: str) -> dict[str, Any]:
    node = schema
    for name in path.split("."):
        node = node["properties"][name]
    return node


def test_every_key_of_every_table_is_in_the_schema_with_a_description():
    own = SCHEMA["$defs"]["settings"]
    paths = key_paths(settings.SETTINGS_FILE)
    assert "IntegrateKitsuNote.custom_comment_template.syntax" in paths
    assert "IntegrateKitsuReview.thumbnail_frame" in paths
    for path in paths:
        assert schema_at(own, path)["description"], path
    note = SCHEMA["$defs"]["export"]["properties"]["publish"]["properties"]["IntegrateKitsuNote"]
    export_paths = key_paths(settings.EXPORT_NOTE_TABLE)
    assert "status_change_conditions.family_requirements" in export_paths
    assert "custom_comment_template.syntax" not in export_paths
    for path in export_paths:
        assert schema_at(note, path)["description"], path


def test_the_defaults_in_the_schema_are_the_loaders():
    defaults = settings.Settings()
    own = SCHEMA["$defs"]["settings"]
    assert schema_at(own, "kitsu.read_timeout")["default"] == defaults.read_timeout
    assert schema_at(own, "IntegrateKitsuNote.note_status_shortname")["default"] == "wfa"
    template = schema_at(own, "IntegrateKitsuNote.custom_comment_template")
    assert template["properties"]["comment_template"]["default"] == defaults.template.text
    assert schema_at(own, "IntegrateKitsuReview.revision")["default"] == "auto"
    note = SCHEMA["$defs"]["export"]["properties"]["publish"]["properties"]["IntegrateKitsuNote"]
    export_template = note["properties"]["custom_comment_template"]["properties"]
    assert export_template["comment_template"]["default"] == "{comment}"
    assert "syntax" not in export_template


# --- every example settings file of the docs ----------------------------------------------

SETTINGS_KEYS = {"kitsu", "IntegrateKitsuNote", "IntegrateKitsuReview", "publish"}


def doc_examples() -> list[tuple[str, str, str]]:
    """(where, suffix, text) of every settings example in the README and docs/*.md: each
    ```toml block, and each ```json block whose top level has a settings table."""
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"^```(toml|json)\n(.*?)^```", text, re.M | re.S):
            kind, block = match.groups()
            line = text.count("\n", 0, match.start()) + 1
            if kind == "json":
                try:
                    data = json.loads(block)
                except ValueError:
                    continue
                if not (isinstance(data, dict) and SETTINGS_KEYS & set(data)):
                    continue
            found.append((f"{page.relative_to(ROOT)}:{line}", f".{kind}", block))
    return found


DOC_EXAMPLES = doc_examples()


def test_the_docs_have_settings_examples():
    pages = {where.split(":")[0] for where, _, _ in DOC_EXAMPLES}
    assert {"README.md", "docs/settings.md"} <= pages
    assert len(DOC_EXAMPLES) >= 4


@pytest.mark.parametrize(("where", "suffix", "text"), DOC_EXAMPLES, ids=lambda v: str(v)[:40])
def test_every_settings_example_of_the_docs_loads_and_the_schema_accepts_it(
    tmp_path, where, suffix, text
):
    path = tmp_path / f"example{suffix}"
    path.write_text(text, encoding="utf-8")
    settings.load_file(path)  # raises SettingsError for a broken example
    data = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    assert schema_error(data) is None, f"{where}: {schema_error(data)}"


# --- every example settings file of the tests ---------------------------------------------


def toml_strings_of_the_tests() -> list[tuple[str, str]]:
    """Every string constant in the test files that is a TOML settings document."""
    found = []
    for file in sorted((ROOT / "tests").rglob("*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = textwrap.dedent(node.value)
            if not re.search(r"^\[+(kitsu|IntegrateKitsu\w*|publish)\b", text, re.M):
                continue
            try:
                tomllib.loads(text)
            except tomllib.TOMLDecodeError:
                continue  # a test of broken TOML: nothing for a schema to judge
            found.append((f"{file.relative_to(ROOT)}:{node.lineno}", text))
    return found


TEST_TOML = toml_strings_of_the_tests()


def test_the_tests_have_toml_settings_files():
    assert len(TEST_TOML) >= 15
    assert {where.split(":")[0] for where, _ in TEST_TOML} >= {
        "tests/unit/test_settings.py",
        "tests/integration/test_publish.py",
    }


@pytest.mark.parametrize(("where", "text"), TEST_TOML, ids=lambda v: str(v)[:50])
def test_the_schema_judges_every_toml_file_of_the_tests_as_the_loader_does(where, text):
    data = tomllib.loads(text)
    if beyond_the_schema(data):
        pytest.skip("refused by the loader for what a schema does not express")
    # the schema cannot know the file type: it judges a TOML file as the same data in JSON
    assert_agree(data)


def test_the_valid_files_of_the_loader_tests_are_valid():
    documents = [
        tomllib.loads(test_settings.README_EXAMPLE),
        hostile.VALID_OWN,
        hostile.VALID_EXPORT,
        test_settings.ayon_export(),
        {"kitsu": test_settings.ayon_export(), "core": {"publish": {"X": {"enabled": True}}}},
        test_settings.ayon_export(
            status_change_conditions={
                "family_requirements": [
                    {"condition": "not_equal", "family": "workfile"},
                    {"condition": "equal", "product_type": "render"},
                ]
            }
        ),
        {},
        {"kitsu": {"server": ""}},
        {"IntegrateKitsuReview": {"revision": "version", "thumbnail_frame": 12}},
        note(
            status_profiles=[
                {},
                {"task_types": [], "host_names": ["nuke", "maya.*"], "set_status_note": False},
                {
                    "task_names": ["layout"],
                    "product_types": ["review"],
                    "product_names": ["render.*"],
                    "note_status_shortname": "rendering",
                    "status_change_conditions": {"status_conditions": []},
                    "custom_comment_template": {"comment_template": "L {{ comment }}"},
                },
            ]
        ),
        test_settings.openpype_3153_export(),
    ]
    for data in documents:
        assert loader_error(data) is None
        assert schema_error(data) is None, (schema_error(data), data)


def note(**values: Any) -> dict[str, Any]:
    return {"IntegrateKitsuNote": values}


def conditions(**lists: Any) -> dict[str, Any]:
    return note(status_change_conditions=lists)


#: The invalid settings of tests/unit/test_settings.py (error_of and files), as data.
BAD = [
    conditions(status_conditions=[{"condition": "equals", "short_name": "wip"}]),
    conditions(product_type_requirements=[{"condition": "!=", "product_type": "camera"}]),
    conditions(status_conditions=[{"condition": "Equal", "short_name": "wip"}]),
    conditions(status_conditions=[{"short_name": "wip"}]),
    conditions(status_conditions=[{"condition": "equal"}]),
    conditions(status_conditions=[{"condition": "equal", "short_name": " "}]),
    conditions(status_conditions={"condition": "equal"}),
    conditions(status_conditions=["wip"]),
    conditions(status_conditions=[{"condition": "equal", "shortname": "wip"}]),
    conditions(family_requirements=[{"condition": "equal", "family": "review"}]),
    conditions(product_type_requirements=[{"condition": "equal", "family": "review"}]),
    note(set_status_note="yes"),
    note(note_per_instance=1),
    note(note_status_shortname=3),
    note(note_status_shortname="  "),
    note(custom_comment_template={"syntax": "mustache"}),
    note(set_status_notes=True),
    note(zzz=1),
    note(optional=True),
    note(active=True),
    {"IntegrateKitsuNote": ["set_status_note"]},
    {"IntegrateKitsuNotes": {}},
    {"kitsu": {"servr": "https://k"}},
    *({"kitsu": {"server": "https://k", key: "s3cr3t"}} for key in ("password", "token", "user")),
    {"kitsu": {"connect_timeout": 0}},
    {"kitsu": {"connect_timeout": -1}},
    {"kitsu": {"connect_timeout": 601}},
    {"kitsu": {"read_timeout": "30"}},
    {"kitsu": {"connect_timeout": True}},
    {"kitsu": {"connect_timeout": 2**63 - 1}},
    {"kitsu": {"read_timeout": float("inf")}},
    [1, 2],
    test_settings.ayon_export(set_status_note="true"),
    test_settings.ayon_export(note_status_shortname=""),
    test_settings.ayon_export(custom_comment_template={"enabled": True, "syntax": "jinja"}),
    test_settings.ayon_export(set_status_notes=True),
    test_settings.ayon_export(
        status_change_conditions={"family_requirements": [{"condition": "is", "family": "x"}]}
    ),
    test_settings.ayon_export(status_change_conditions={"family_requirements": [{"x": 1}]}),
    {"kitsu": {**test_settings.ayon_export(), "password": "Export-S3cret"}},
    {"password": "Top-S3cret", "kitsu": test_settings.ayon_export()},
    {**test_settings.ayon_export(), **note(set_status_note=False)},
    {"publish": {"Other": {}}},
    {"publish": {"IntegrateKitsuNote": None}},
    {"IntegrateKitsuReview": {"revision": "latest"}},
    {"IntegrateKitsuReview": {"thumbnail_frame": 0}},
    {"IntegrateKitsuReview": {"set_thumbnail": "yes"}},
    {"IntegrateKitsuReview": {"add_to_playlist": 3}},
    note(status_profiles={}),
    note(status_profiles=["wfa"]),
    note(status_profiles=[{"task_type": ["Lighting"]}]),
    note(status_profiles=[{"task_types": "Lighting"}]),
    note(status_profiles=[{"task_types": [" "]}]),
    note(status_profiles=[{"host_names": [3]}]),
    note(status_profiles=[{"product_names": ["x" * 201]}]),
    note(status_profiles=[{"note_status_shortname": ""}]),
    note(status_profiles=[{"set_status_note": "no"}]),
    note(status_profiles=[{"custom_comment_template": {"syntax": "mustache"}}]),
    note(status_profiles=[{"status_change_conditions": {"status_conditions": [{"x": 1}]}}]),
    test_settings.ayon_export(status_profiles=[]),
    test_settings.openpype_3153_export(status_conditions=[{"condition": "is", "short_name": "x"}]),
]


def test_what_the_schema_cannot_say_about_profiles_the_loader_does():
    # a filter entry that is no regular expression, and OpenPype 3.15.3's status conditions
    # given twice: the schema accepts both (JSON Schema has no "compiles" check, and both
    # places are valid alone); the loader refuses them, naming the key
    bad_regex = note(status_profiles=[{"task_types": ["(anim"]}])
    twice = test_settings.openpype_3153_export(status_change_conditions={"status_conditions": []})
    for data, key in (
        (bad_regex, "IntegrateKitsuNote.status_profiles[0].task_types[0]"),
        (twice, "publish.IntegrateKitsuNote.status_conditions"),
    ):
        assert schema_error(data) is None
        assert key in str(loader_error(data))


@pytest.mark.parametrize("data", BAD, ids=lambda d: json.dumps(d)[:60])
def test_the_schema_rejects_the_invalid_settings_of_the_tests(data):
    assert loader_error(data) is not None
    assert schema_error(data) is not None, data


def test_a_schema_key_for_editors_is_accepted_and_not_listed(tmp_path):
    path = tmp_path / "studio.json"
    path.write_text(json.dumps({"$schema": "./settings.schema.json", "kitsu": {}}))
    assert settings.load_file(path).read_timeout == 30.0
    assert schema_error({"$schema": "./settings.schema.json"}) is None
    assert "'$schema'" not in str(loader_error({"kitsuu": {}}))
    assert (
        loader_error({"$schema": 3}) == "data.json: $schema: expected a string, found a number 3"
    )
    assert schema_error({"$schema": 3}) is not None


def test_what_the_schema_cannot_know():
    # an export in a .toml file: the loader refuses it (exports are JSON), the schema
    # cannot see the file type
    text = "[kitsu.publish.IntegrateKitsuNote]\nset_status_note = false\n"
    assert schema_error(tomllib.loads(text)) is None
    # JSON Schema has one kind of number: 2.0 is an integer to it, not to the loader
    assert schema_error({"IntegrateKitsuReview": {"thumbnail_frame": 2.0}}) is None
    assert loader_error({"IntegrateKitsuReview": {"thumbnail_frame": 2.0}}) is not None


# --- any document of the settings' shapes -------------------------------------------------

review_tables = st.fixed_dictionaries(
    {},
    optional={
        "enabled": st.booleans() | hostile.json_values,
        "revision": st.sampled_from(["auto", "version", "x"]) | hostile.json_values,
        "thumbnail_frame": st.integers(-2, 2**64) | hostile.json_values,
        "add_to_playlist": hostile.plausible_strings | hostile.json_values,
        "set_thumbnail": st.booleans(),
    },
)
documents = (
    hostile.shaped(hostile.json_values)
    | hostile.mutated_data(hostile.VALID_OWN, hostile.json_values)
    | hostile.mutated_data(hostile.VALID_EXPORT, hostile.json_values)
    | st.builds(
        lambda own, review: {**own, "IntegrateKitsuReview": review}, st.just({}), review_tables
    )
)


@hsettings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=documents)
def test_the_schema_and_the_loader_agree_on_any_document(data):
    assume(not beyond_the_schema(data))
    frame = (
        data.get("IntegrateKitsuReview", {}).get("thumbnail_frame")
        if isinstance(data.get("IntegrateKitsuReview"), dict)
        else None
    )
    assume(not (isinstance(frame, float) and frame.is_integer()))
    assert_agree(data)
