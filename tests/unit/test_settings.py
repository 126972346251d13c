"""Loading and validating the settings file (docs/settings.md)."""

from __future__ import annotations

import dataclasses
import json
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


def error_of(data, source: str = "studio.toml") -> str:
    with pytest.raises(SettingsError) as info:
        settings.parse(data, source)
    return str(info.value)


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


# --- errors: file level ---------------------------------------------------------------


def test_missing_file_error_names_the_file(tmp_path):
    path = tmp_path / "missing.toml"
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "file not found" in message
    assert "KITSU_PUBLISH_SETTINGS" in message


def test_missing_file_from_env_variable_is_an_error(tmp_path):
    path = tmp_path / "missing.json"
    with pytest.raises(SettingsError, match="file not found"):
        settings.load(environ={"KITSU_PUBLISH_SETTINGS": str(path)})


def test_malformed_toml_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.toml", "[IntegrateKitsuNote]\nset_status_note = \n")
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not valid TOML: ")
    assert "line 2" in message


def test_malformed_json_error_names_file_line_and_column(tmp_path):
    path = write(tmp_path, "bad.json", '{\n  "kitsu": {"server": "a",}\n}\n')
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not valid JSON: ")
    assert "(line 2, column" in message


def test_unknown_file_type_is_an_error(tmp_path):
    path = write(tmp_path, "studio.yaml", "kitsu: {}\n")
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert str(info.value) == (
        f"{path}: unknown file type '.yaml': expected a .toml or .json file"
    )


def test_undecodable_file_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "latin.toml"
    path.write_bytes(b'[kitsu]\nserver = "caf\xe9"\n')
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert str(info.value).startswith(f"{path}: cannot be read: ")


def test_top_level_must_be_a_table(tmp_path):
    path = write(tmp_path, "list.json", "[1, 2]")
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert str(info.value) == f"{path}: (top level): expected a table, found a list [1, 2]"


def test_settings_error_is_a_kitsu_publish_error_with_source_and_key():
    with pytest.raises(KitsuPublishError) as info:
        settings.parse(note(set_status_note="yes"), "studio.toml")
    assert isinstance(info.value, SettingsError)
    assert info.value.source == "studio.toml"
    assert info.value.key == "IntegrateKitsuNote.set_status_note"


# --- errors: keys, types, enum values --------------------------------------------------


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
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert str(info.value) == (
        f"{path}: IntegrateKitsuNote.status_change_conditions.status_conditions[1].condition: "
        "'equals' is not one of 'equal', 'not_equal'"
    )


def test_bad_product_requirement_condition_names_its_index():
    message = error_of(
        note(
            status_change_conditions={
                "product_type_requirements": [
                    {"condition": "not_equal", "product_type": "workfile"},
                    {"condition": "equal", "product_type": "review"},
                    {"condition": "!=", "product_type": "camera"},
                ]
            }
        )
    )
    assert message == (
        "studio.toml: IntegrateKitsuNote.status_change_conditions."
        "product_type_requirements[2].condition: '!=' is not one of 'equal', 'not_equal'"
    )


def test_condition_values_are_case_sensitive_enum():
    message = error_of(
        note(
            status_change_conditions={
                "status_conditions": [{"condition": "Equal", "short_name": "wip"}]
            }
        )
    )
    assert "'Equal' is not one of 'equal', 'not_equal'" in message


def test_missing_condition_is_an_error():
    message = error_of(
        note(status_change_conditions={"status_conditions": [{"short_name": "wip"}]})
    )
    assert message == (
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions[0]"
        ".condition: missing: 'equal' or 'not_equal'"
    )


def test_missing_condition_value_key_is_an_error():
    message = error_of(
        note(status_change_conditions={"status_conditions": [{"condition": "equal"}]})
    )
    assert message == (
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions[0]: "
        "missing key 'short_name'"
    )


def test_empty_condition_value_is_an_error():
    message = error_of(
        note(
            status_change_conditions={
                "status_conditions": [{"condition": "equal", "short_name": " "}]
            }
        )
    )
    assert message == (
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions[0]"
        ".short_name: must not be empty"
    )


def test_conditions_must_be_a_list_of_tables():
    message = error_of(
        note(status_change_conditions={"status_conditions": {"condition": "equal"}})
    )
    assert message == (
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions: "
        "expected a list of tables, found a table {'condition': 'equal'}"
    )


def test_condition_entry_must_be_a_table():
    message = error_of(note(status_change_conditions={"status_conditions": ["wip"]}))
    assert message == (
        "studio.toml: IntegrateKitsuNote.status_change_conditions.status_conditions[0]: "
        "expected a table, found a string 'wip'"
    )


def test_wrong_boolean_type_names_key_found_and_expected():
    message = error_of(note(set_status_note="yes"))
    assert message == (
        "studio.toml: IntegrateKitsuNote.set_status_note: expected true or false, "
        "found a string 'yes'"
    )


def test_integer_is_not_a_boolean():
    message = error_of(note(note_per_instance=1))
    assert "IntegrateKitsuNote.note_per_instance: expected true or false, found a number 1" in (
        message
    )


def test_wrong_string_type_names_key_found_and_expected():
    message = error_of(note(note_status_shortname=3))
    assert message == (
        "studio.toml: IntegrateKitsuNote.note_status_shortname: expected a string, "
        "found a number 3"
    )


def test_empty_note_status_shortname_is_an_error():
    message = error_of(note(note_status_shortname="  "))
    assert message == "studio.toml: IntegrateKitsuNote.note_status_shortname: must not be empty"


def test_bad_template_syntax_is_an_error():
    message = error_of(note(custom_comment_template={"syntax": "mustache"}))
    assert message == (
        "studio.toml: IntegrateKitsuNote.custom_comment_template.syntax: "
        "'mustache' is not one of 'jinja', 'legacy'"
    )


def test_section_of_wrong_type_is_an_error():
    message = error_of({"IntegrateKitsuNote": ["set_status_note"]})
    assert message == (
        "studio.toml: IntegrateKitsuNote: expected a table, found a list ['set_status_note']"
    )


def test_long_found_values_are_shortened():
    message = error_of(note(set_status_note="x" * 200))
    assert "x" * 200 not in message
    assert "..." in message


def test_unknown_key_in_note_suggests_the_close_key():
    message = error_of(note(set_status_notes=True))
    assert message.startswith("studio.toml: IntegrateKitsuNote.set_status_notes: unknown key")
    assert "did you mean 'set_status_note'?" in message


def test_unknown_top_level_key_suggests_the_close_key():
    message = error_of({"IntegrateKitsuNotes": {}})
    assert message.startswith("studio.toml: IntegrateKitsuNotes: unknown key")
    assert "did you mean 'IntegrateKitsuNote'?" in message


def test_unknown_key_in_kitsu_table_suggests_the_close_key():
    message = error_of({"kitsu": {"servr": "https://k"}})
    assert message.startswith("studio.toml: kitsu.servr: unknown key")
    assert "did you mean 'server'?" in message


def test_unknown_key_in_condition_entry_suggests_the_close_key():
    message = error_of(
        note(
            status_change_conditions={
                "status_conditions": [{"condition": "equal", "shortname": "wip"}]
            }
        )
    )
    assert "IntegrateKitsuNote.status_change_conditions.status_conditions[0].shortname" in message
    assert "did you mean 'short_name'?" in message


def test_unknown_key_far_from_any_known_lists_known_keys_without_suggestion():
    message = error_of(note(zzz=1))
    assert "IntegrateKitsuNote.zzz: unknown key (known keys here: 'enabled'," in message
    assert "did you mean" not in message


# --- errors: our files are not exports ----------------------------------------------


def test_family_requirements_is_an_error_in_our_own_files():
    message = error_of(
        note(
            status_change_conditions={
                "family_requirements": [{"condition": "equal", "family": "review"}]
            }
        )
    )
    assert message.startswith(
        "studio.toml: IntegrateKitsuNote.status_change_conditions.family_requirements: unknown key"
    )
    assert "did you mean 'product_type_requirements'?" in message


def test_family_key_in_product_requirement_is_an_error_in_our_own_files():
    message = error_of(
        note(
            status_change_conditions={
                "product_type_requirements": [{"condition": "equal", "family": "review"}]
            }
        )
    )
    assert (
        "IntegrateKitsuNote.status_change_conditions.product_type_requirements[0].family: "
        "unknown key" in message
    )


@pytest.mark.parametrize("key", ["optional", "active"])
def test_generic_plugin_keys_are_errors_in_our_own_files(key):
    message = error_of(note(**{key: True}))
    assert message.startswith(f"studio.toml: IntegrateKitsuNote.{key}: unknown key")


# --- credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["password", "pwd", "token", "login", "user", "email"])
def test_credentials_in_kitsu_table_are_refused(key):
    message = error_of({"kitsu": {"server": "https://k", key: "s3cr3t-Value-42"}})
    assert message.startswith(f"studio.toml: kitsu.{key}: credentials never belong")
    assert "KITSU_LOGIN" in message
    assert "KITSU_TOKEN" in message


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
    message = error_of({"kitsu": {"password": secret}})
    assert str(secret) not in message


# --- timeouts ---------------------------------------------------------------------------


def test_timeouts_default_to_5_and_30_seconds():
    s = settings.parse({"kitsu": {"server": "https://k"}})
    assert (s.connect_timeout, s.read_timeout) == (5.0, 30.0)


def test_timeouts_are_read_as_float_seconds():
    s = settings.parse({"kitsu": {"connect_timeout": 1, "read_timeout": 600}})
    assert s.connect_timeout == 1.0
    assert s.read_timeout == 600.0
    assert isinstance(s.read_timeout, float)


@pytest.mark.parametrize("value", [0, -1, 601, 1e9])
def test_timeout_out_of_range_is_an_error(value):
    message = error_of({"kitsu": {"connect_timeout": value}})
    assert message == (
        f"studio.toml: kitsu.connect_timeout: expected seconds between 0 and 600, found {value}"
    )


def test_timeout_nan_is_an_error():
    message = error_of({"kitsu": {"read_timeout": float("nan")}})
    assert "kitsu.read_timeout: expected seconds between 0 and 600" in message


def test_timeout_of_wrong_type_is_an_error():
    message = error_of({"kitsu": {"read_timeout": "30"}})
    assert message == (
        "studio.toml: kitsu.read_timeout: expected a number of seconds, found a string '30'"
    )


def test_boolean_timeout_is_an_error():
    message = error_of({"kitsu": {"connect_timeout": True}})
    assert message.startswith(
        "studio.toml: kitsu.connect_timeout: expected a number of seconds, found a boolean"
    )


def test_timeout_errors_name_the_file_on_disk(tmp_path):
    path = write(tmp_path, "studio.toml", "[kitsu]\nread_timeout = 0\n")
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert str(info.value) == (
        f"{path}: kitsu.read_timeout: expected seconds between 0 and 600, found 0"
    )


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


def test_ayon_export_json_loads(tmp_path):
    path = write_json(tmp_path, "ayon_kitsu.json", ayon_export())
    s = settings.load_file(path)
    assert s.source == path
    assert s.server == "https://kitsu.studio/api"
    assert s.enabled is True
    assert s.set_status_note is True
    assert s.note_status_shortname == "wfa"
    assert s.status_conditions == (Condition("equal", "wip"), Condition("equal", "retake"))
    assert s.product_type_requirements == (Condition("not_equal", "workfile"),)
    assert s.template == CommentTemplate(
        True, "{comment}\n\n|  |  |\n|--|--|\n| version | `{version}` |", "legacy"
    )


def test_ayon_export_nested_under_kitsu_table_loads(tmp_path):
    path = write_json(
        tmp_path,
        "ayon_project.json",
        {"kitsu": ayon_export(), "core": {"publish": {"ValidateVersion": {"enabled": True}}}},
    )
    s = settings.load_file(path)
    assert s.server == "https://kitsu.studio/api"
    assert s.status_conditions == (Condition("equal", "wip"), Condition("equal", "retake"))
    assert s.product_type_requirements == (Condition("not_equal", "workfile"),)
    assert s.template.syntax == "legacy"


def test_export_errors_name_the_nested_dotted_key():
    data = {"kitsu": ayon_export(set_status_note="true")}
    message = error_of(data, "ayon.json")
    assert message == (
        "ayon.json: kitsu.publish.IntegrateKitsuNote.set_status_note: expected true or false, "
        "found a string 'true'"
    )


def test_export_errors_name_the_top_level_dotted_key():
    message = error_of(ayon_export(note_status_shortname=""), "ayon.json")
    assert (
        message == "ayon.json: publish.IntegrateKitsuNote.note_status_shortname: must not be empty"
    )


def test_export_template_is_legacy_syntax():
    s = settings.parse(ayon_export())
    assert s.template.syntax == "legacy"


def test_export_without_template_text_defaults_to_legacy_comment():
    s = settings.parse(ayon_export(custom_comment_template={"enabled": False}))
    assert s.template == CommentTemplate(False, "{comment}", "legacy")


def test_export_template_syntax_key_is_not_accepted():
    message = error_of(
        ayon_export(custom_comment_template={"enabled": True, "syntax": "jinja"}), "ayon.json"
    )
    assert message.startswith(
        "ayon.json: publish.IntegrateKitsuNote.custom_comment_template.syntax: unknown key"
    )


def test_export_generic_keys_are_accepted_and_enabled_is_read():
    s = settings.parse(ayon_export(enabled=False, optional=True, active=False))
    assert s.enabled is False


def test_export_other_plugins_sections_are_accepted_without_validation():
    data = ayon_export()
    data["publish"]["SomethingElse"] = {"whatever": [1, 2, 3], "enabled": "not a bool"}
    data["some_addon_key"] = 42
    assert settings.parse(data).note_status_shortname == "wfa"


def test_export_unknown_key_in_integrate_kitsu_note_is_still_an_error():
    message = error_of(ayon_export(set_status_notes=True), "ayon.json")
    assert message.startswith(
        "ayon.json: publish.IntegrateKitsuNote.set_status_notes: unknown key"
    )
    assert "did you mean 'set_status_note'?" in message


def test_export_without_integrate_kitsu_note_is_an_error():
    data = ayon_export()
    del data["publish"]["IntegrateKitsuNote"]
    message = error_of({"kitsu": data}, "ayon.json")
    assert message == (
        "ayon.json: kitsu.publish: this AYON/OpenPype export has no 'IntegrateKitsuNote' section"
    )


def test_openpype_family_requirements_with_family_items_load(tmp_path):
    conditions = {
        "status_conditions": [{"condition": "not_equal", "short_name": "done"}],
        "family_requirements": [
            {"condition": "not_equal", "family": "workfile"},
            {"condition": "equal", "family": "review"},
        ],
    }
    path = write_json(tmp_path, "openpype.json", ayon_export(status_change_conditions=conditions))
    s = settings.load_file(path)
    assert s.status_conditions == (Condition("not_equal", "done"),)
    assert s.product_type_requirements == (
        Condition("not_equal", "workfile"),
        Condition("equal", "review"),
    )


def test_openpype_family_requirements_with_product_type_items_load():
    conditions = {
        "family_requirements": [{"condition": "equal", "product_type": "render"}],
    }
    s = settings.parse(ayon_export(status_change_conditions=conditions))
    assert s.product_type_requirements == (Condition("equal", "render"),)


def test_export_reads_both_requirement_lists():
    conditions = {
        "product_type_requirements": [{"condition": "equal", "product_type": "render"}],
        "family_requirements": [{"condition": "not_equal", "family": "workfile"}],
    }
    s = settings.parse(ayon_export(status_change_conditions=conditions))
    assert set(s.product_type_requirements) == {
        Condition("equal", "render"),
        Condition("not_equal", "workfile"),
    }


def test_export_family_requirement_errors_name_the_list_and_index():
    conditions = {"family_requirements": [{"condition": "is", "family": "workfile"}]}
    message = error_of(ayon_export(status_change_conditions=conditions), "op.json")
    assert message == (
        "op.json: publish.IntegrateKitsuNote.status_change_conditions.family_requirements[0]"
        ".condition: 'is' is not one of 'equal', 'not_equal'"
    )


def test_export_family_requirement_without_value_names_expected_key():
    conditions = {"family_requirements": [{"condition": "equal"}]}
    message = error_of(ayon_export(status_change_conditions=conditions), "op.json")
    assert "family_requirements[0]: missing key" in message


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


def test_credentials_in_an_export_are_refused_without_showing_the_value():
    data = {"kitsu": {**ayon_export(), "password": "Export-S3cret"}}
    message = error_of(data, "ayon.json")
    assert message.startswith("ayon.json: kitsu.password: credentials never belong")
    assert "Export-S3cret" not in message


def test_a_file_mixing_an_export_and_our_own_table_is_an_error():
    data = {**ayon_export(), **note(set_status_note=False)}
    message = error_of(data, "mixed.json")
    assert message.startswith("mixed.json: IntegrateKitsuNote: this file is an AYON/OpenPype")


def test_a_toml_file_is_never_read_as_an_export(tmp_path):
    path = write(
        tmp_path,
        "studio.toml",
        "[kitsu.publish.IntegrateKitsuNote]\nset_status_note = false\n",
    )
    with pytest.raises(SettingsError) as info:
        settings.load_file(path)
    assert str(info.value).startswith(f"{path}: kitsu.publish: unknown key")


def test_note_status_shortname_is_stripped():
    assert settings.parse(note(note_status_shortname=" wfa ")).note_status_shortname == "wfa"


def test_a_password_beside_a_nested_export_is_refused_too():
    message = error_of({"password": "Top-S3cret", "kitsu": ayon_export()}, "ayon.json")
    assert message.startswith("ayon.json: password: credentials never belong")
    assert "Top-S3cret" not in message
