"""Loading and validating the settings file (docs/settings.md)."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
import textwrap

import demo  # tools/demo.py: tools/ is on sys.path (tests/conftest.py)
import pytest

from kitsu_publish import settings
from kitsu_publish.errors import KitsuPublishError, SettingsError
from kitsu_publish.settings import CommentTemplate, Condition, Settings

# The settings example of the README, verbatim (the demo reads it the same way).
README_EXAMPLE = demo.readme_settings()

README_TEMPLATE = (
    "{{ comment }}\n"
    "\n"
    "| product | version |\n"
    "|--|--|\n"
    "{% for i in instances %}| {{ i.name | md }} | v{{ '%03d' % i.version }} |\n"
    "{% endfor %}"
)


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_json(tmp_path, name: str, data) -> str:
    return str(write(tmp_path, name, json.dumps(data, indent=2)))


def failure(data, source: str = "studio.toml", exports: bool = True) -> SettingsError:
    """The SettingsError ``parse`` raises; it names ``source``."""
    with pytest.raises(SettingsError) as info:
        settings.parse(data, source, exports=exports)
    assert info.value.source == source
    return info.value


def file_failure(path) -> SettingsError:
    """The SettingsError ``load_file`` raises; it names the path."""
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert info.value.source == str(path)
    return info.value


def said(error: SettingsError) -> str:
    """What an error says after its file and key (both are its fields)."""
    where = f"{error.source}: {error.key}: " if error.key else f"{error.source}: "
    assert str(error).startswith(where)
    return str(error)[len(where) :]


def where(error: SettingsError) -> tuple[str, str]:
    return error.source, error.key


def note(**values):
    return {"IntegrateKitsuNote": values}


# --- defaults and the environment ---------------------------------------------------


def test_load_without_env_variable_gives_defaults():
    loaded = settings.load(environ={})
    assert loaded == Settings()


def test_load_with_blank_env_variable_gives_defaults():
    assert settings.load(environ={settings.ENV_SETTINGS: "   "}) == Settings()


def test_defaults_match_the_documented_values():
    s = settings.load(environ={})
    assert s.server is None
    assert s.connect_timeout == 5.0
    assert s.read_timeout == 30.0
    assert s.enabled is True
    assert s.set_status_note is True
    assert s.note_status_shortname == "wfa"
    assert s.status_conditions == ()
    assert s.product_type_requirements == ()
    assert s.template.enabled is False
    assert s.template.syntax == "jinja"
    assert s.note_per_instance is False


def test_env_variable_name_is_kitsu_publish_settings():
    assert settings.ENV_SETTINGS == "KITSU_PUBLISH_SETTINGS"


def test_load_reads_the_file_named_by_env_variable(tmp_path):
    path = write(tmp_path, "studio.toml", '[IntegrateKitsuNote]\nnote_status_shortname = "rev"\n')
    loaded = settings.load(environ={"KITSU_PUBLISH_SETTINGS": str(path)})
    assert loaded.note_status_shortname == "rev"
    assert loaded.source == str(path)


def test_empty_toml_file_gives_defaults_with_its_source(tmp_path):
    path = write(tmp_path, "empty.toml", "# nothing configured yet\n")
    loaded = settings.load_file(path)
    assert loaded == dataclasses.replace(Settings(), source=str(path))


def test_parse_of_empty_table_gives_defaults():
    assert settings.parse({}, "x") == dataclasses.replace(Settings(), source="x")


# --- our own files ---------------------------------------------------------------------


def test_the_readme_settings_example_loads(tmp_path):
    path = write(tmp_path, "studio.toml", README_EXAMPLE)
    s = settings.load_file(path)
    assert s.source == str(path)
    assert s.server == "https://kitsu.example.com/api"
    assert s.connect_timeout == 5.0
    assert s.read_timeout == 30.0
    assert s.set_status_note is True
    assert s.note_status_shortname == "wfa"
    assert (s.request_timeout, s.step_timeout) == (60.0, 300.0)
    assert s.status_conditions == (Condition("not_equal", "done"),)
    assert s.product_type_requirements == (Condition("not_equal", "workfile"),)
    assert s.template == CommentTemplate(enabled=True, text=README_TEMPLATE, syntax="jinja")


def test_toml_file_with_every_key_loads(tmp_path):
    path = write(
        tmp_path,
        "full.toml",
        textwrap.dedent(
            """\
            [kitsu]
            server = "https://kitsu.example.com"
            connect_timeout = 2
            read_timeout = 12.5

            [IntegrateKitsuNote]
            enabled = false
            set_status_note = false
            note_status_shortname = "rev"
            note_per_instance = true

            [IntegrateKitsuNote.status_change_conditions]
            status_conditions = [
                { condition = "equal", short_name = "wip" },
                { condition = "not_equal", short_name = "done" },
            ]
            product_type_requirements = [
                { condition = "equal", product_type = "review" },
            ]

            [IntegrateKitsuNote.custom_comment_template]
            enabled = true
            syntax = "legacy"
            comment_template = "{comment} (v{version})"
            """
        ),
    )
    s = settings.load_file(str(path))
    assert s.server == "https://kitsu.example.com"
    assert s.connect_timeout == 2.0
    assert isinstance(s.connect_timeout, float)
    assert s.read_timeout == 12.5
    assert s.enabled is False
    assert s.set_status_note is False
    assert s.note_status_shortname == "rev"
    assert s.note_per_instance is True
    assert s.status_conditions == (Condition("equal", "wip"), Condition("not_equal", "done"))
    assert s.product_type_requirements == (Condition("equal", "review"),)
    assert s.template == CommentTemplate(True, "{comment} (v{version})", "legacy")


def test_json_file_loads(tmp_path):
    path = write_json(
        tmp_path,
        "studio.json",
        {
            "kitsu": {"server": "https://k/api", "read_timeout": 20},
            "IntegrateKitsuNote": {
                "note_status_shortname": "wfa",
                "status_change_conditions": {
                    "status_conditions": [
                        {"condition": "equal", "short_name": "wip"},
                        {"condition": "equal", "short_name": "retake"},
                    ],
                    "product_type_requirements": [
                        {"condition": "not_equal", "product_type": "workfile"}
                    ],
                },
                "custom_comment_template": {"enabled": True, "comment_template": "{{ comment }}"},
            },
        },
    )
    s = settings.load_file(path)
    assert s.source == path
    assert s.server == "https://k/api"
    assert s.read_timeout == 20.0
    assert s.status_conditions == (Condition("equal", "wip"), Condition("equal", "retake"))
    assert s.product_type_requirements == (Condition("not_equal", "workfile"),)
    assert s.template == CommentTemplate(True, "{{ comment }}", "jinja")


def test_file_suffix_is_case_insensitive(tmp_path):
    path = write(tmp_path, "STUDIO.TOML", '[IntegrateKitsuNote]\nnote_status_shortname = "x"\n')
    assert settings.load_file(path).note_status_shortname == "x"


def test_template_syntax_defaults_to_jinja_in_our_files():
    s = settings.parse(note(custom_comment_template={"enabled": True}))
    assert s.template.syntax == "jinja"
    assert s.template.text == "{{ comment }}"


def test_empty_server_means_no_server():
    assert settings.parse({"kitsu": {"server": ""}}).server is None


def test_condition_values_are_stripped():
    s = settings.parse(
        note(
            status_change_conditions={
                "status_conditions": [{"condition": "equal", "short_name": " wip "}]
            }
        )
    )
    assert s.status_conditions == (Condition("equal", "wip"),)


# --- the messages, word for word ----------------------------------------------------------
#
# Most tests below check an error's fields (source, key) and what it says; these are the
# messages as the user reads them, one of each kind.

SNAPSHOTS = [
    (
        note(set_status_note="yes"),
        "studio.toml: IntegrateKitsuNote.set_status_note: expected true or false, "
        "found a string 'yes'",
    ),
    (
        note(note_status_shortname=3),
        "studio.toml: IntegrateKitsuNote.note_status_shortname: expected a string, "
        "found a number 3",
    ),
    (
        note(note_status_shortname="  "),
        "studio.toml: IntegrateKitsuNote.note_status_shortname: must not be empty",
    ),
    (
        note(custom_comment_template={"syntax": "mustache"}),
        "studio.toml: IntegrateKitsuNote.custom_comment_template.syntax: "
        "'mustache' is not one of 'jinja', 'legacy'",
    ),
    (
        note(status_change_conditions={"status_conditions": [{"short_name": "wip"}]}),
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions[0]"
        ".condition: missing: 'equal' or 'not_equal'",
    ),
    (
        note(status_change_conditions={"status_conditions": [{"condition": "equal"}]}),
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions[0]: "
        "missing key 'short_name'",
    ),
    (
        note(status_change_conditions={"status_conditions": {"condition": "equal"}}),
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions: "
        "expected a list of tables, found a table {'condition': 'equal'}",
    ),
    (
        {"kitsu": {"connect_timeout": 601}},
        "studio.toml: kitsu.connect_timeout: expected seconds between 0 and 600, found 601",
    ),
    (
        {"kitsu": {"read_timeout": "30"}},
        "studio.toml: kitsu.read_timeout: expected a number of seconds, found a string '30'",
    ),
    (
        {"IntegrateKitsuReview": {"thumbnail_frame": 0}},
        "studio.toml: IntegrateKitsuReview.thumbnail_frame: expected a frame number "
        "(1 or more), found a number 0",
    ),
    (
        {"kitsu": {"token": "x"}},
        "studio.toml: kitsu.token: credentials never belong in the settings file: remove "
        "the key and set KITSU_LOGIN and KITSU_PWD, or KITSU_TOKEN, in the environment "
        "instead",
    ),
    (
        {"kitsu": {"servr": "https://k"}},
        "studio.toml: kitsu.servr: unknown key (known keys here: 'server', "
        "'connect_timeout', 'read_timeout', 'request_timeout', 'step_timeout', "
        "'max_parallel_requests'); "
        "did you mean 'server'?",
    ),
    (
        [1, 2],
        "studio.toml: (top level): expected a table, found a list [1, 2]",
    ),
]


@pytest.mark.parametrize(("data", "message"), SNAPSHOTS, ids=lambda v: str(v)[:50])
def test_the_messages_word_for_word(data, message):
    assert str(failure(data)) == message


# --- errors: file level ---------------------------------------------------------------


def test_missing_file_error_names_the_file(tmp_path):
    path = tmp_path / "missing.toml"
    error = file_failure(path)
    assert where(error) == (str(path), "")
    assert said(error) == "file not found (set KITSU_PUBLISH_SETTINGS to an existing file)"


def test_missing_file_from_env_variable_is_an_error(tmp_path):
    path = tmp_path / "missing.json"
    with pytest.raises(SettingsError, match="file not found"):
        settings.load(environ={"KITSU_PUBLISH_SETTINGS": str(path)})


def test_malformed_toml_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.toml", "[IntegrateKitsuNote]\nset_status_note = \n")
    error = file_failure(path)
    assert error.key == ""
    assert said(error).startswith("not valid TOML: ")
    assert "line 2" in said(error)


def test_malformed_json_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "bad.json", '{\n  "kitsu": {"server": "a",}\n}\n')
    error = file_failure(path)
    assert error.key == ""
    assert said(error).startswith("not valid JSON: ")
    assert "(line 2, column " in said(error)


def test_unknown_file_type_is_an_error(tmp_path):
    path = write(tmp_path, "studio.yaml", "kitsu: {}\n")
    assert str(file_failure(path)) == (
        f"{path}: unknown file type '.yaml': expected a .toml or .json file"
    )


def test_undecodable_file_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[kitsu]\nserver = "caf\xe9"\n')
    assert said(file_failure(path)).startswith("cannot be read: not UTF-8 text")


def test_top_level_must_be_a_table(tmp_path):
    path = write(tmp_path, "list.json", "[1, 2]")
    error = file_failure(path)
    assert error.key == "(top level)"
    assert said(error) == "expected a table, found a list [1, 2]"


@pytest.mark.parametrize("exports", [True, False])
@pytest.mark.parametrize("data", [None, "kitsu", 3, ["IntegrateKitsuNote"]])
def test_parse_of_anything_but_a_table_is_an_error(data, exports):
    error = failure(data, exports=exports)
    assert error.key == "(top level)"
    assert said(error).startswith("expected a table, found ")


def test_a_json_null_file_is_an_error(tmp_path):
    path = write(tmp_path, "null.json", "null")
    assert said(file_failure(path)) == "expected a table, found NoneType None"


def test_settings_error_is_a_kitsu_publish_error_with_source_and_key():
    with pytest.raises(KitsuPublishError) as info:
        settings.parse(note(set_status_note="yes"), "studio.toml")
    assert isinstance(info.value, SettingsError)
    assert info.value.source == "studio.toml"
    assert info.value.key == "IntegrateKitsuNote.set_status_note"


def test_parse_names_a_default_source():
    assert failure(None, source="<settings>").source == "<settings>"
    with pytest.raises(SettingsError) as info:
        settings.parse([])
    assert info.value.source == "<settings>"


# --- errors: keys, types, enum values --------------------------------------------------


def conditions(**lists):
    return note(status_change_conditions=lists)


CONDITIONS_KEY = "IntegrateKitsuNote.status_change_conditions"


def test_bad_condition_value_names_file_dotted_key_found_and_expected(tmp_path):
    path = write(
        tmp_path,
        "studio.toml",
        textwrap.dedent(
            """\
            [[IntegrateKitsuNote.status_change_conditions.status_conditions]]
            condition = "equal"
            short_name = "wip"

            [[IntegrateKitsuNote.status_change_conditions.status_conditions]]
            condition = "equals"
            short_name = "retake"
            """
        ),
    )
    error = file_failure(path)
    assert error.key == f"{CONDITIONS_KEY}.status_conditions[1].condition"
    assert said(error) == "'equals' is not one of 'equal', 'not_equal'"


def test_bad_product_requirement_condition_names_its_index():
    error = failure(
        conditions(
            product_type_requirements=[
                {"condition": "not_equal", "product_type": "workfile"},
                {"condition": "equal", "product_type": "review"},
                {"condition": "!=", "product_type": "camera"},
            ]
        )
    )
    assert error.key == f"{CONDITIONS_KEY}.product_type_requirements[2].condition"
    assert said(error) == "'!=' is not one of 'equal', 'not_equal'"


def test_condition_values_are_case_sensitive_enum():
    error = failure(conditions(status_conditions=[{"condition": "Equal", "short_name": "wip"}]))
    assert said(error) == "'Equal' is not one of 'equal', 'not_equal'"


def test_condition_of_wrong_type_is_an_error():
    error = failure(conditions(status_conditions=[{"condition": 1, "short_name": "wip"}]))
    assert error.key == f"{CONDITIONS_KEY}.status_conditions[0].condition"
    assert said(error) == "expected a string, found a number 1"


def test_missing_condition_is_an_error():
    error = failure(conditions(status_conditions=[{"short_name": "wip"}]))
    assert error.key == f"{CONDITIONS_KEY}.status_conditions[0].condition"
    assert said(error) == "missing: 'equal' or 'not_equal'"


def test_missing_condition_value_key_is_an_error():
    error = failure(conditions(product_type_requirements=[{"condition": "equal"}]))
    assert error.key == f"{CONDITIONS_KEY}.product_type_requirements[0]"
    assert said(error) == "missing key 'product_type'"


def test_empty_condition_value_is_an_error():
    error = failure(conditions(status_conditions=[{"condition": "equal", "short_name": " "}]))
    assert error.key == f"{CONDITIONS_KEY}.status_conditions[0].short_name"
    assert said(error) == "must not be empty"


def test_condition_value_of_wrong_type_is_an_error():
    error = failure(conditions(status_conditions=[{"condition": "equal", "short_name": 5}]))
    assert error.key == f"{CONDITIONS_KEY}.status_conditions[0].short_name"
    assert said(error) == "expected a string, found a number 5"


def test_conditions_must_be_a_list_of_tables():
    error = failure(conditions(status_conditions={"condition": "equal"}))
    assert error.key == f"{CONDITIONS_KEY}.status_conditions"
    assert said(error).startswith("expected a list of tables, found a table")


def test_condition_entry_must_be_a_table():
    error = failure(conditions(status_conditions=[{"condition": "equal", "short_name": "a"}, 3]))
    assert error.key == f"{CONDITIONS_KEY}.status_conditions[1]"
    assert said(error) == "expected a table, found a number 3"


def test_wrong_boolean_type_names_key_found_and_expected():
    error = failure(note(set_status_note="yes"))
    assert error.key == "IntegrateKitsuNote.set_status_note"
    assert said(error) == "expected true or false, found a string 'yes'"


def test_integer_is_not_a_boolean():
    error = failure(note(note_per_instance=1))
    assert error.key == "IntegrateKitsuNote.note_per_instance"
    assert said(error) == "expected true or false, found a number 1"


@pytest.mark.parametrize(
    ("value", "found"),
    [
        (None, "NoneType None"),
        (1.5, "a number 1.5"),
        ([], "a list []"),
        ({}, "a table {}"),
        ("x", "a string 'x'"),
        ((1,), "tuple (1,)"),
    ],
)
def test_the_found_value_is_named_by_its_type(value, found):
    assert said(failure(note(set_status_note=value))) == f"expected true or false, found {found}"
    found_boolean = said(failure(note(note_status_shortname=False)))
    assert found_boolean == "expected a string, found a boolean (true or false) False"


def test_empty_note_status_shortname_is_an_error():
    error = failure(note(note_status_shortname="  "))
    assert error.key == "IntegrateKitsuNote.note_status_shortname"
    assert said(error) == "must not be empty"


def test_bad_template_syntax_is_an_error():
    error = failure(note(custom_comment_template={"syntax": "mustache"}))
    assert error.key == "IntegrateKitsuNote.custom_comment_template.syntax"
    assert said(error) == "'mustache' is not one of 'jinja', 'legacy'"


def test_section_of_wrong_type_is_an_error():
    error = failure({"IntegrateKitsuNote": ["set_status_note"]})
    assert error.key == "IntegrateKitsuNote"
    assert said(error) == "expected a table, found a list ['set_status_note']"


@pytest.mark.parametrize("table", ["kitsu", "IntegrateKitsuNote", "IntegrateKitsuReview"])
def test_a_null_section_is_an_empty_one(table):
    assert settings.parse({table: None}, "x") == dataclasses.replace(Settings(), source="x")


def test_long_found_values_are_shortened():
    message = said(failure(note(set_status_note="x" * 200)))
    assert "x" * 200 not in message
    assert message == f"expected true or false, found a string '{'x' * 56}..."


def unknown(error: SettingsError) -> tuple[list[str], str]:
    """(the known keys listed, the suggestion) of an unknown-key error."""
    match = re.fullmatch(
        r"unknown key \(known keys here: (.*)\)(?:; did you mean '(.*)'\?)?", said(error)
    )
    assert match, said(error)
    return re.findall(r"'([^']*)'", match.group(1)), match.group(2) or ""


NOTE_KEYS = [
    "enabled",
    "set_status_note",
    "note_status_shortname",
    "status_change_conditions",
    "custom_comment_template",
    "checklist",
    "mentions",
    "attach_report",
    "note_per_instance",
    "require_comment",
    "status_profiles",
]


def test_unknown_key_in_note_suggests_the_close_key():
    error = failure(note(set_status_notes=True))
    assert error.key == "IntegrateKitsuNote.set_status_notes"
    assert unknown(error) == (NOTE_KEYS, "set_status_note")


def test_unknown_top_level_key_suggests_the_close_key():
    error = failure({"IntegrateKitsuNotes": {}})
    assert error.key == "IntegrateKitsuNotes"
    assert unknown(error) == (
        ["kitsu", "IntegrateKitsuNote", "IntegrateKitsuReview", "ValidateKitsuShot"],
        "IntegrateKitsuNote",
    )


def test_unknown_key_in_kitsu_table_suggests_the_close_key():
    error = failure({"kitsu": {"servr": "https://k"}})
    assert error.key == "kitsu.servr"
    assert unknown(error)[1] == "server"


def test_unknown_key_in_review_table_suggests_the_close_key():
    error = failure({"IntegrateKitsuReview": {"revisions": "auto"}})
    assert error.key == "IntegrateKitsuReview.revisions"
    assert unknown(error) == (
        [
            "enabled",
            "normalize_movie",
            "revision",
            "set_thumbnail",
            "thumbnail_frame",
            "add_to_playlist",
            "extra_media",
        ],
        "revision",
    )


def test_unknown_key_in_condition_entry_suggests_the_close_key():
    error = failure(conditions(status_conditions=[{"condition": "equal", "shortname": "wip"}]))
    assert error.key == f"{CONDITIONS_KEY}.status_conditions[0].shortname"
    assert unknown(error) == (["condition", "short_name"], "short_name")


def test_unknown_key_far_from_any_known_lists_known_keys_without_suggestion():
    error = failure(note(zzz=1))
    assert error.key == "IntegrateKitsuNote.zzz"
    assert unknown(error) == (NOTE_KEYS, "")


def test_unknown_keys_are_refused_before_the_values_are_read():
    error = failure(note(set_status_note="yes", zzz=1))
    assert error.key == "IntegrateKitsuNote.zzz"


# --- errors: our files are not exports ----------------------------------------------


def test_family_requirements_is_an_error_in_our_own_files():
    error = failure(conditions(family_requirements=[{"condition": "equal", "family": "review"}]))
    assert error.key == f"{CONDITIONS_KEY}.family_requirements"
    assert unknown(error) == (
        ["status_conditions", "product_type_requirements"],
        "product_type_requirements",
    )


def test_family_key_in_product_requirement_is_an_error_in_our_own_files():
    error = failure(
        conditions(product_type_requirements=[{"condition": "equal", "family": "review"}])
    )
    assert error.key == f"{CONDITIONS_KEY}.product_type_requirements[0].family"
    assert unknown(error)[0] == ["condition", "product_type"]


@pytest.mark.parametrize("key", ["optional", "active"])
def test_generic_plugin_keys_are_errors_in_our_own_files(key):
    error = failure(note(**{key: True}))
    assert error.key == f"IntegrateKitsuNote.{key}"
    assert unknown(error)[0] == NOTE_KEYS


# --- credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["password", "pwd", "token", "login", "user", "email"])
def test_credentials_in_kitsu_table_are_refused(key):
    error = failure({"kitsu": {"server": "https://k", key: "s3cr3t-Value-42"}})
    assert error.key == f"kitsu.{key}"
    assert said(error).startswith("credentials never belong")
    assert "KITSU_LOGIN" in said(error)
    assert "KITSU_TOKEN" in said(error)


def test_credentials_are_refused_before_unknown_keys():
    assert failure({"kitsu": {"servr": "x", "token": "y"}}).key == "kitsu.token"


@pytest.mark.parametrize("key", ["password", "token"])
def test_credential_value_never_appears_in_the_error(tmp_path, key):
    secret = "hunter2-Very-Secret-Value"
    path = write(tmp_path, "studio.toml", f'[kitsu]\n{key} = "{secret}"\n')
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert secret not in str(info.value)
    assert secret not in repr(info.value)
    assert all(secret not in str(arg) for arg in info.value.args)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_credential_value_of_wrong_type_never_appears_in_the_error():
    secret = 987654321
    message = str(failure({"kitsu": {"password": secret}}))
    assert str(secret) not in message


# --- timeouts ---------------------------------------------------------------------------


def test_timeouts_default_to_5_30_60_and_300_seconds():
    s = settings.parse({"kitsu": {"server": "https://k"}})
    assert (s.connect_timeout, s.read_timeout) == (5.0, 30.0)
    assert (s.request_timeout, s.step_timeout) == (60.0, 300.0)


def test_timeouts_are_read_as_float_seconds():
    s = settings.parse(
        {
            "kitsu": {
                "connect_timeout": 1,
                "read_timeout": 600,
                "request_timeout": 0.5,
                "step_timeout": 7,
            }
        }
    )
    assert s.connect_timeout == 1.0
    assert s.read_timeout == 600.0
    assert (s.request_timeout, s.step_timeout) == (0.5, 7.0)
    assert isinstance(s.read_timeout, float)
    assert isinstance(s.step_timeout, float)


@pytest.mark.parametrize("value", [0, -1, 601, 1e9, 600.0001])
def test_timeout_out_of_range_is_an_error(value):
    error = failure({"kitsu": {"connect_timeout": value}})
    assert error.key == "kitsu.connect_timeout"
    assert said(error) == f"expected seconds between 0 and 600, found {value}"


def test_timeout_nan_is_an_error():
    error = failure({"kitsu": {"read_timeout": float("nan")}})
    assert error.key == "kitsu.read_timeout"
    assert said(error) == "expected seconds between 0 and 600, found nan"


def test_timeout_of_wrong_type_is_an_error():
    error = failure({"kitsu": {"step_timeout": "30"}})
    assert error.key == "kitsu.step_timeout"
    assert said(error) == "expected a number of seconds, found a string '30'"


def test_boolean_timeout_is_an_error():
    error = failure({"kitsu": {"request_timeout": True}})
    assert error.key == "kitsu.request_timeout"
    assert said(error) == "expected a number of seconds, found a boolean (true or false) True"


def test_timeout_errors_name_the_file_on_disk(tmp_path):
    path = write(tmp_path, "studio.toml", "[kitsu]\nread_timeout = 0\n")
    error = file_failure(path)
    assert error.key == "kitsu.read_timeout"


# --- review -------------------------------------------------------------------------------


def test_review_table_with_every_key_loads(tmp_path):
    path = write(
        tmp_path,
        "review.toml",
        textwrap.dedent(
            """\
            [IntegrateKitsuReview]
            enabled = false
            normalize_movie = false
            revision = "version"
            set_thumbnail = true
            thumbnail_frame = 12
            add_to_playlist = "  {{ date }} dailies  "
            extra_media = "attach"
            """
        ),
    )
    assert settings.load_file(path).review == settings.ReviewSettings(
        enabled=False,
        normalize_movie=False,
        revision="version",
        set_thumbnail=True,
        thumbnail_frame=12,
        add_to_playlist="{{ date }} dailies",
        extra_media="attach",
    )


def test_review_defaults():
    assert settings.parse({}).review == settings.ReviewSettings(
        enabled=True,
        normalize_movie=True,
        revision="auto",
        set_thumbnail=False,
        thumbnail_frame=None,
        add_to_playlist="",
        extra_media="fail",
    )


FRAME = "expected a frame number (1 or more), found"


@pytest.mark.parametrize(
    ("review", "key", "message"),
    [
        ({"revision": "latest"}, "revision", "'latest' is not one of 'auto', 'version'"),
        ({"thumbnail_frame": 1.0}, "thumbnail_frame", f"{FRAME} a number 1.0"),
        ({"thumbnail_frame": True}, "thumbnail_frame", f"{FRAME} a boolean (true or false) True"),
        ({"thumbnail_frame": -3}, "thumbnail_frame", f"{FRAME} a number -3"),
        ({"thumbnail_frame": 0}, "thumbnail_frame", f"{FRAME} a number 0"),
        ({"add_to_playlist": None}, "add_to_playlist", "expected a string, found NoneType None"),
        ({"set_thumbnail": "y"}, "set_thumbnail", "expected true or false, found a string 'y'"),
        ({"extra_media": "drop"}, "extra_media", "'drop' is not one of 'fail', 'attach'"),
        ({"extra_media": "Attach"}, "extra_media", "'Attach' is not one of 'fail', 'attach'"),
        (
            {"extra_media": True},
            "extra_media",
            "expected a string, found a boolean (true or false) True",
        ),
    ],
)
def test_review_errors(review, key, message):
    error = failure({"IntegrateKitsuReview": review})
    assert error.key == f"IntegrateKitsuReview.{key}"
    assert said(error) == message


def test_thumbnail_frame_1_is_read():
    assert (
        settings.parse({"IntegrateKitsuReview": {"thumbnail_frame": 1}}).review.thumbnail_frame
        == 1
    )


def test_schema_key_is_read_as_a_string_and_ignored():
    assert settings.parse({"$schema": "x.json"}, "x") == dataclasses.replace(
        Settings(), source="x"
    )
    error = failure({"$schema": None})
    assert error.key == "$schema"
    assert said(error) == "expected a string, found NoneType None"


# --- AYON / OpenPype exports -------------------------------------------------------------


def ayon_note(**overrides):
    data = {
        "enabled": True,
        "optional": False,
        "active": True,
        "set_status_note": True,
        "note_status_shortname": "wfa",
        "status_change_conditions": {
            "status_conditions": [
                {"condition": "equal", "short_name": "wip"},
                {"condition": "equal", "short_name": "retake"},
            ],
            "product_type_requirements": [{"condition": "not_equal", "product_type": "workfile"}],
        },
        "custom_comment_template": {
            "enabled": True,
            "comment_template": "{comment}\n\n|  |  |\n|--|--|\n| version | `{version}` |",
        },
    }
    data.update(overrides)
    return data


def ayon_export(**note_overrides):
    return {
        "server": "https://kitsu.studio/api",
        "entities_naming_pattern": {"episode": "E##", "sequence": "SQ##", "shot": "SH##"},
        "publish": {
            "CollectKitsuEntities": {"enabled": True, "optional": False, "active": True},
            "IntegrateKitsuNote": ayon_note(**note_overrides),
            "IntegrateKitsuReview": {"enabled": True, "optional": True, "active": True},
        },
    }


def openpype_3153_export(**overrides):
    """OpenPype 3.15.3's Kitsu settings: the status conditions directly in the note table."""
    note = {
        "enabled": True,
        "optional": False,
        "active": True,
        "set_status_note": True,
        "note_status_shortname": "wfa",
        "status_conditions": [
            {"condition": "equal", "short_name": "wip"},
            {"condition": "not_equal", "short_name": "done"},
        ],
        "custom_comment_template": {"enabled": False, "comment_template": "{comment}"},
        **overrides,
    }
    return {"server": "https://kitsu.studio/api", "publish": {"IntegrateKitsuNote": note}}


def test_an_openpype_3_15_3_export_loads_as_it_is(tmp_path):
    s = settings.load_file(write_json(tmp_path, "op3153.json", openpype_3153_export()))
    assert s.status_conditions == (
        settings.Condition("equal", "wip"),
        settings.Condition("not_equal", "done"),
    )
    assert s.product_type_requirements == ()
    assert s.set_status_note is True


def test_an_openpype_3_15_3_export_names_its_own_keys_in_errors():
    bad = openpype_3153_export(status_conditions=[{"condition": "equal", "shortname": "wip"}])
    error = failure(bad, "op.json")
    assert error.key == f"{NOTE}.status_conditions[0].shortname"
    error = failure(openpype_3153_export(status_conditions="wip"), "op.json")
    assert error.key == f"{NOTE}.status_conditions"


def test_status_conditions_in_both_places_of_an_export_are_refused():
    both = openpype_3153_export(status_change_conditions={"status_conditions": []})
    error = failure(both, "op.json")
    assert error.key == f"{NOTE}.status_conditions"
    assert "given twice" in str(error)
    # beside family requirements of a later release, they are read together
    beside = openpype_3153_export(
        status_change_conditions={
            "family_requirements": [{"condition": "equal", "family": "render"}]
        }
    )
    s = settings.parse(beside, "op.json")
    assert len(s.status_conditions) == 2
    assert s.product_type_requirements == (settings.Condition("equal", "render"),)


def test_a_flat_status_conditions_beside_a_bad_table_is_refused_for_the_table():
    error = failure(openpype_3153_export(status_change_conditions=[]), "op.json")
    assert error.key == f"{NOTE}.status_change_conditions"


def family_export(*items, **lists):
    """An export whose status_change_conditions are ``family_requirements`` (and ``lists``)."""
    return ayon_export(status_change_conditions={**lists, "family_requirements": list(items)})


NOTE = "publish.IntegrateKitsuNote"
FAMILY = f"{NOTE}.status_change_conditions.family_requirements"


def test_ayon_export_json_loads(tmp_path):
    path = write_json(tmp_path, "ayon_kitsu.json", ayon_export())
    s = settings.load_file(path)
    assert s == Settings(
        source=path,
        server="https://kitsu.studio/api",
        status_conditions=(Condition("equal", "wip"), Condition("equal", "retake")),
        product_type_requirements=(Condition("not_equal", "workfile"),),
        template=CommentTemplate(
            True, "{comment}\n\n|  |  |\n|--|--|\n| version | `{version}` |", "legacy"
        ),
    )


def test_ayon_export_nested_under_kitsu_table_loads(tmp_path):
    path = write_json(
        tmp_path,
        "ayon_project.json",
        {"kitsu": ayon_export(), "core": {"publish": {"ValidateVersion": {"enabled": True}}}},
    )
    s = settings.load_file(path)
    assert s == settings.parse(ayon_export(), path)


def test_an_export_with_only_its_note_table_gives_the_export_defaults():
    s = settings.parse({"publish": {"IntegrateKitsuNote": {}}}, "x")
    assert s == dataclasses.replace(
        Settings(), source="x", template=CommentTemplate(False, "{comment}", "legacy")
    )


def test_export_reads_no_timeouts_and_no_review():
    data = ayon_export()
    data["publish"]["IntegrateKitsuReview"] = {"enabled": False, "revision": "nonsense"}
    s = settings.parse(data)
    assert s.review == Settings().review
    assert (s.connect_timeout, s.step_timeout) == (5.0, 300.0)


@pytest.mark.parametrize(
    ("server", "read"), [("", None), (None, None), (" https://k ", " https://k ")]
)
def test_export_server_reads_as_our_server(server, read):
    assert settings.parse({**ayon_export(), "server": server}).server == read
    assert settings.parse({"kitsu": {**ayon_export(), "server": server}}).server == read


def test_export_without_server_has_none():
    data = ayon_export()
    del data["server"]
    assert settings.parse(data).server is None


def test_export_server_errors_name_the_server_key():
    assert failure({**ayon_export(), "server": 3}).key == "server"
    error = failure({"kitsu": {**ayon_export(), "server": ["x"]}})
    assert error.key == "kitsu.server"
    assert said(error) == "expected a string, found a list ['x']"


def test_export_errors_name_the_nested_dotted_key():
    error = failure({"kitsu": ayon_export(set_status_note="true")}, "ayon.json")
    assert error.key == f"kitsu.{NOTE}.set_status_note"
    assert said(error) == "expected true or false, found a string 'true'"


def test_export_errors_name_the_top_level_dotted_key():
    error = failure(ayon_export(note_status_shortname=""), "ayon.json")
    assert where(error) == ("ayon.json", f"{NOTE}.note_status_shortname")
    assert said(error) == "must not be empty"


def test_export_errors_in_our_own_lists_name_them():
    error = failure(
        ayon_export(status_change_conditions={"status_conditions": [{"condition": "x"}]})
    )
    assert error.key == f"{NOTE}.status_change_conditions.status_conditions[0].condition"


def test_export_template_is_legacy_syntax():
    s = settings.parse(ayon_export())
    assert s.template.syntax == "legacy"


def test_export_without_template_text_defaults_to_legacy_comment():
    s = settings.parse(ayon_export(custom_comment_template={"enabled": False}))
    assert s.template == CommentTemplate(False, "{comment}", "legacy")


@pytest.mark.parametrize("template", [None, {}])
def test_export_with_an_empty_template_defaults_to_legacy_comment(template):
    s = settings.parse(ayon_export(custom_comment_template=template))
    assert s.template == CommentTemplate(False, "{comment}", "legacy")


def test_export_without_template_defaults_to_legacy_comment():
    data = ayon_export()
    del data["publish"]["IntegrateKitsuNote"]["custom_comment_template"]
    assert settings.parse(data).template == CommentTemplate(False, "{comment}", "legacy")


def test_export_template_of_wrong_type_names_the_export_key():
    error = failure(ayon_export(custom_comment_template="{comment}"))
    assert error.key == f"{NOTE}.custom_comment_template"
    assert said(error) == "expected a table, found a string '{comment}'"


def test_export_template_errors_name_the_export_key():
    error = failure(ayon_export(custom_comment_template={"comment_template": 1}))
    assert error.key == f"{NOTE}.custom_comment_template.comment_template"
    assert said(error) == "expected a string, found a number 1"


def test_export_template_syntax_key_is_not_accepted():
    error = failure(
        ayon_export(custom_comment_template={"enabled": True, "syntax": "jinja"}), "ayon.json"
    )
    assert error.key == f"{NOTE}.custom_comment_template.syntax"
    assert unknown(error) == (["enabled", "comment_template"], "")


def test_export_generic_keys_are_accepted_and_enabled_is_read():
    s = settings.parse(ayon_export(enabled=False, optional=True, active=False))
    assert s.enabled is False


def test_export_generic_keys_take_any_value():
    s = settings.parse(ayon_export(optional=[1, {"a": None}], active="yes"))
    assert s == settings.parse(ayon_export())


def test_export_other_plugins_sections_are_accepted_without_validation():
    data = ayon_export()
    data["publish"]["SomethingElse"] = {"whatever": [1, 2, 3], "enabled": "not a bool"}
    data["some_addon_key"] = 42
    data["login"] = "someone"  # only passwords and tokens are refused beside publish
    assert settings.parse(data).note_status_shortname == "wfa"


def test_export_unknown_key_in_integrate_kitsu_note_is_still_an_error():
    error = failure(ayon_export(set_status_notes=True), "ayon.json")
    assert error.key == f"{NOTE}.set_status_notes"
    export_keys = [k for k in NOTE_KEYS if k != "status_profiles"]
    known = [*export_keys, "optional", "active", "status_conditions"]
    assert unknown(error) == (known, "set_status_note")


def test_export_unknown_key_suggests_a_generic_key():
    assert unknown(failure(ayon_export(activ=True)))[1] == "active"


def test_export_unknown_key_in_status_change_conditions_is_an_error():
    error = failure(ayon_export(status_change_conditions={"family_requirement": []}))
    assert error.key == f"{NOTE}.status_change_conditions.family_requirement"
    assert unknown(error) == (
        ["status_conditions", "product_type_requirements", "family_requirements"],
        "family_requirements",
    )


def test_export_without_integrate_kitsu_note_is_an_error():
    data = ayon_export()
    del data["publish"]["IntegrateKitsuNote"]
    error = failure({"kitsu": data}, "ayon.json")
    assert error.key == "kitsu.publish"
    assert said(error) == "this AYON/OpenPype export has no 'IntegrateKitsuNote' section"
    assert failure(data).key == "publish"


@pytest.mark.parametrize("value", [None, [], "x"])
def test_export_note_must_be_a_table(value):
    error = failure({"publish": {"IntegrateKitsuNote": value}})
    assert error.key == NOTE
    assert said(error).startswith("expected a table, found ")


def test_export_status_change_conditions_may_be_null_or_must_be_a_table():
    s = settings.parse(ayon_export(status_change_conditions=None))
    assert (s.status_conditions, s.product_type_requirements) == ((), ())
    error = failure(ayon_export(status_change_conditions=[]))
    assert error.key == f"{NOTE}.status_change_conditions"
    assert said(error) == "expected a table, found a list []"


def test_openpype_family_requirements_with_family_items_load(tmp_path):
    data = family_export(
        {"condition": "not_equal", "family": "workfile"},
        {"condition": "equal", "family": " review "},
        status_conditions=[{"condition": "not_equal", "short_name": "done"}],
    )
    s = settings.load_file(write_json(tmp_path, "openpype.json", data))
    assert s.status_conditions == (Condition("not_equal", "done"),)
    assert s.product_type_requirements == (
        Condition("not_equal", "workfile"),
        Condition("equal", "review"),
    )


def test_openpype_family_requirements_with_product_type_items_load():
    s = settings.parse(family_export({"condition": "equal", "product_type": "render"}))
    assert s.product_type_requirements == (Condition("equal", "render"),)


def test_a_family_item_with_both_keys_reads_family():
    item = {"condition": "equal", "product_type": "", "family": "render"}
    s = settings.parse(family_export(item))
    assert s.product_type_requirements == (Condition("equal", "render"),)


def test_export_reads_both_requirement_lists_product_types_first():
    data = family_export(
        {"condition": "not_equal", "family": "workfile"},
        product_type_requirements=[{"condition": "equal", "product_type": "render"}],
    )
    assert settings.parse(data).product_type_requirements == (
        Condition("equal", "render"),
        Condition("not_equal", "workfile"),
    )


def test_an_empty_family_requirements_list_reads_nothing():
    assert settings.parse(family_export()).product_type_requirements == ()


def test_export_family_requirement_errors_name_the_list_and_index():
    error = failure(family_export({"condition": "is", "family": "workfile"}), "op.json")
    assert where(error) == ("op.json", f"{FAMILY}[0].condition")
    assert said(error) == "'is' is not one of 'equal', 'not_equal'"


def test_family_requirement_errors_count_from_the_start_of_their_own_list():
    data = family_export(
        {"condition": "equal", "family": "a"},
        {"condition": "equal", "family": " "},
        product_type_requirements=[
            {"condition": "equal", "product_type": "b"},
            {"condition": "equal", "product_type": "c"},
        ],
    )
    error = failure(data)
    assert error.key == f"{FAMILY}[1].family"
    assert said(error) == "must not be empty"


def test_family_requirement_value_errors_name_the_key_written():
    error = failure(family_export({"condition": "equal", "product_type": 7}))
    assert error.key == f"{FAMILY}[0].product_type"
    assert said(error) == "expected a string, found a number 7"


def test_export_family_requirement_without_value_names_expected_key():
    error = failure(family_export({"condition": "equal"}), "op.json")
    assert error.key == f"{FAMILY}[0]"
    assert said(error) == "missing key 'product_type'"


def test_export_family_requirement_without_condition():
    error = failure(family_export({"family": "render"}))
    assert error.key == f"{FAMILY}[0].condition"
    assert said(error) == "missing: 'equal' or 'not_equal'"


def test_export_family_requirement_must_be_a_table():
    error = failure(family_export({"condition": "equal", "family": "a"}, "render"))
    assert error.key == f"{FAMILY}[1]"
    assert said(error) == "expected a table, found a string 'render'"


@pytest.mark.parametrize("value", [None, {"condition": "equal"}, "render"])
def test_export_family_requirements_must_be_a_list(value):
    error = failure(ayon_export(status_change_conditions={"family_requirements": value}))
    assert error.key == FAMILY
    assert said(error).startswith("expected a list of tables, found ")


def test_unknown_key_in_a_family_item_suggests_the_close_key():
    error = failure(family_export({"condition": "equal", "famly": "render"}))
    assert error.key == f"{FAMILY}[0].famly"
    assert unknown(error) == (["condition", "family", "product_type"], "family")


def test_family_requirements_beside_a_product_type_list_of_wrong_type():
    data = family_export({"condition": "equal", "family": "a"}, product_type_requirements="x")
    error = failure(data)
    assert error.key == f"{NOTE}.status_change_conditions.product_type_requirements"
    assert said(error) == "expected a list of tables, found a string 'x'"


def test_reading_an_export_changes_nothing_in_it():
    data = family_export(
        {"condition": "equal", "family": "a"},
        product_type_requirements=[{"condition": "equal", "product_type": "b"}],
    )
    data["publish"]["IntegrateKitsuNote"]["custom_comment_template"] = {"enabled": True}
    before = copy.deepcopy(data)
    settings.parse(data)
    assert data == before


# --- immutability -------------------------------------------------------------------------


def test_settings_are_frozen():
    s = settings.load(environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.set_status_note = False  # type: ignore[misc]
    assert s.set_status_note is True


def test_nested_settings_are_frozen_and_condition_lists_are_tuples():
    s = settings.parse(ayon_export())
    assert isinstance(s.status_conditions, tuple)
    assert isinstance(s.product_type_requirements, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.template.enabled = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.status_conditions[0].value = "done"  # type: ignore[misc]


def test_settings_are_hashable_values():
    assert hash(settings.parse(ayon_export())) == hash(settings.parse(ayon_export()))


# --- shapes that must not be mistaken for each other, secrets in exports ---------------


@pytest.mark.parametrize("key", ["password", "pwd", "token"])
def test_credentials_in_an_export_are_refused_without_showing_the_value(key):
    error = failure({"kitsu": {**ayon_export(), key: "Export-S3cret"}}, "ayon.json")
    assert error.key == f"kitsu.{key}"
    assert said(error).startswith("credentials never belong")
    assert "Export-S3cret" not in str(error)
    assert failure({**ayon_export(), key: "Export-S3cret"}).key == key


def test_a_file_mixing_an_export_and_our_own_table_is_an_error():
    data = {**ayon_export(), **note(set_status_note=False)}
    error = failure(data, "mixed.json")
    assert error.key == "IntegrateKitsuNote"
    assert said(error) == (
        "this file is an AYON/OpenPype export (it has a 'publish' table) and also has our "
        "own 'IntegrateKitsuNote' table; use one shape or the other"
    )
    assert failure({"kitsu": ayon_export(), **note()}).key == "IntegrateKitsuNote"


def test_a_toml_file_is_never_read_as_an_export(tmp_path):
    path = write(
        tmp_path,
        "studio.toml",
        "[kitsu.publish.IntegrateKitsuNote]\nset_status_note = false\n",
    )
    error = file_failure(path)
    assert error.key == "kitsu.publish"
    assert unknown(error)[0][0] == "server"


def test_parse_without_exports_reads_our_shape_only():
    error = failure(ayon_export(), exports=False)
    assert error.key == "server"
    assert said(error).startswith("unknown key")


def test_a_publish_that_is_not_a_table_is_not_an_export():
    assert failure({"publish": []}).key == "publish"
    assert failure({"kitsu": {"publish": "x"}}).key == "kitsu.publish"


def test_a_top_level_publish_table_wins_over_a_kitsu_table():
    data = {**ayon_export(), "kitsu": {"publish": {"IntegrateKitsuNote": {"enabled": "x"}}}}
    assert settings.parse(data).server == "https://kitsu.studio/api"


def test_note_status_shortname_is_stripped():
    assert settings.parse(note(note_status_shortname=" wfa ")).note_status_shortname == "wfa"


def test_a_password_beside_a_nested_export_is_refused_too():
    error = failure({"password": "Top-S3cret", "kitsu": ayon_export()}, "ayon.json")
    assert error.key == "password"
    assert "Top-S3cret" not in str(error)


# --- the declarations ---------------------------------------------------------------------


def test_the_export_note_table_is_ours_with_the_export_keys():
    own = [k.name for k in settings.NOTE_TABLE.keys if k.name != "status_profiles"]
    export = [k.name for k in settings.EXPORT_NOTE_TABLE.keys]
    assert export == [*own, "optional", "active", "status_conditions"]
    template = settings.EXPORT_NOTE_TABLE.key("custom_comment_template")
    assert [k.name for k in template.keys] == ["enabled", "comment_template"]
    assert template.key("comment_template").default == "{comment}"
    # our own declarations are untouched
    own_template = settings.NOTE_TABLE.key("custom_comment_template")
    assert own_template.key("comment_template").default == "{{ comment }}"
    assert [k.name for k in own_template.keys] == ["enabled", "comment_template", "syntax"]


def test_a_declaration_copy_refuses_an_attribute_it_does_not_have():
    key = settings.NOTE_TABLE.key("enabled")
    assert key.replaced(default=False).default is False
    assert key.default is True
    with pytest.raises(AttributeError, match="'defualt'"):
        key.replaced(defualt=False)


def test_the_settings_package_imports_neither_pyblish_nor_gazu():
    code = (
        "import sys, kitsu_publish.settings; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyblish', 'gazu', 'jinja2'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_kind_of_key_must_say_how_it_reads_and_what_it_accepts():
    from kitsu_publish.settings.kinds import Key
    from kitsu_publish.settings.reader import Reader

    key = Key("x", "a key of no kind")
    with pytest.raises(NotImplementedError):
        key.read(Reader("s"), 1, "x")
    with pytest.raises(NotImplementedError):
        key.schema()


# --- anything else that goes wrong --------------------------------------------------------


@pytest.mark.parametrize("exports", [True, False])
def test_an_unexpected_failure_while_validating_is_a_settings_error(monkeypatch, exports):
    def broken(*args, **kwargs):
        raise KeyError("s3cr3t")

    monkeypatch.setattr(settings, "read", broken)
    error = failure({}, "studio.json", exports=exports)
    assert error.key == ""
    assert said(error) == (
        "cannot be validated (KeyError); this is a bug in kitsu-publish, please report it "
        "with the settings file"
    )
    assert "s3cr3t" not in str(error)
    assert error.__cause__ is None and error.__suppress_context__


def test_running_out_of_memory_while_validating_is_a_settings_error(monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(settings, "read", exhausted)
    assert said(failure({})) == "out of memory while validating the settings"
