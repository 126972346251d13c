"""Comment rendering (ARCHITECTURE.md, "Template")."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kitsu_publish import template
from kitsu_publish.errors import KitsuPublishError, TemplateError

# The comment_template of the ARCHITECTURE.md settings example.
ARCHITECTURE_TEMPLATE = (
    "{{ comment }}\n"
    "\n"
    "| product | version |\n"
    "|--|--|\n"
    "{% for i in instances %}| {{ i.name | md }} | v{{ '%03d' % i.version }} |\n"
    "{% endfor %}"
)


def jinja(text: str, where: str = "", **variables) -> str:
    return template.render(text, "jinja", variables, where=where)


def jinja_error(text: str, where: str = "", **variables) -> str:
    with pytest.raises(TemplateError) as info:
        jinja(text, where, **variables)
    return str(info.value)


# --- jinja -------------------------------------------------------------------------------


def test_jinja_renders_variables():
    text = jinja(
        "{{ name }} v{{ version }}: {{ comment }}", name="animMain", version=3, comment="ok"
    )
    assert text == "animMain v3: ok"


def test_jinja_is_the_syntax_for_anything_but_legacy():
    assert template.render("{{ a }}{b}", "jinja", {"a": 1, "b": 2}) == "1{b}"


def test_jinja_supports_loops_conditions_and_format():
    text = jinja(
        "{% for i in items %}{% if i > 1 %}v{{ '%03d' % i }} {% endif %}{% endfor %}",
        items=[1, 2, 12],
    )
    assert text == "v002 v012 "


def test_jinja_keeps_trailing_newline():
    assert jinja("{{ comment }}\n", comment="x") == "x\n"


def test_jinja_does_not_html_escape():
    assert jinja("{{ comment }}", comment="<b>a & b</b>") == "<b>a & b</b>"


def test_jinja_reads_mapping_keys_with_dots():
    assert jinja(
        "{{ data.frameStart }}-{{ data['frameEnd'] }}", data={"frameStart": 1001, "frameEnd": 1010}
    ) == ("1001-1010")


def test_undefined_name_is_a_template_error_naming_the_name():
    message = jinja_error("{{ commnet }}", comment="x", version=1)
    assert "undefined name" in message
    assert "'commnet' is undefined" in message


def test_undefined_name_error_lists_the_known_names():
    message = jinja_error("{{ nope }}", comment="x", version=1)
    assert "Known names: comment, version" in message


def test_undefined_name_error_names_where_it_happened():
    message = jinja_error("{{ nope }}", where="task SH010 / Animation, instances animMain")
    assert "(task SH010 / Animation, instances animMain)" in message


def test_undefined_name_in_a_condition_is_an_error_too():
    message = jinja_error("{% if missing %}yes{% endif %}", comment="x")
    assert "'missing' is undefined" in message


def test_undefined_attribute_is_an_error():
    message = jinja_error("{{ data.frameStart }}", data={})
    assert "undefined" in message
    assert "frameStart" in message


def test_syntax_error_is_a_template_error_with_the_line():
    message = jinja_error("first line\nsecond {{ comment }\nthird", comment="x")
    assert message.startswith("the comment template has a syntax error on line 2: ")


def test_syntax_error_names_where_it_happened():
    message = jinja_error("{% for %}", where="task X")
    assert "syntax error on line 1" in message
    assert message.endswith("(task X)")


def test_unclosed_block_is_a_syntax_error():
    message = jinja_error("{% for i in instances %}\n{{ i }}\n", instances=[])
    assert "syntax error on line" in message


def test_render_failure_of_a_wrong_type_is_a_template_error():
    message = jinja_error("v{{ '%03d' % version }}", version=None)
    assert message.startswith("the comment template failed to render: TypeError")


def test_template_error_is_a_kitsu_publish_error():
    with pytest.raises(KitsuPublishError):
        jinja("{{ nope }}")


# --- the sandbox ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ comment.__class__ }}",
        "{{ comment.__class__.__base__.__subclasses__() }}",
        "{{ comment | attr('__class__') }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_sandbox_blocks_python_internals(text):
    message = jinja_error(text, comment="x")
    assert "sandbox forbids" in message
    assert "unsafe" in message


def test_sandbox_error_does_not_leak_internals():
    message = jinja_error("{{ ''.__class__.__mro__ }}")
    assert "<class" not in message
    assert "object'>" not in message


@pytest.mark.parametrize("text", ["{{ data.families.append('x') }}", "{{ data.pop('families') }}"])
def test_sandbox_forbids_mutating_instance_data(text):
    data = {"families": ["review"]}
    message = jinja_error(text, data=data)
    assert "sandbox forbids" in message
    assert data == {"families": ["review"]}


def test_sandbox_still_allows_harmless_methods():
    assert jinja("{{ comment.upper() }}", comment="ok") == "OK"


# --- the md filter --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", r"a\|b"),
        ("*bold*", r"\*bold\*"),
        ("render_main", r"render\_main"),
        ("a|b*c_d", r"a\|b\*c\_d"),
    ],
)
def test_md_escapes_table_and_emphasis_characters(raw, escaped):
    assert template.md_escape(raw) == escaped


def test_md_replaces_newlines_with_spaces():
    assert template.md_escape("one\ntwo\r\nthree") == "one two three"
    assert "\n" not in template.md_escape("a\nb\n")


def test_md_escapes_backslash_first():
    assert template.md_escape("a\\|b") == r"a\\\|b"


def test_md_of_none_is_empty_and_other_values_become_text():
    assert template.md_escape(None) == ""
    assert template.md_escape(3) == "3"


def test_md_leaves_plain_text_alone():
    assert template.md_escape("animMain v003") == "animMain v003"


def test_md_is_a_jinja_filter():
    text = jinja("| {{ name | md }} | {{ comment | md }} |", name="a_b", comment="x|y\nz")
    assert text == r"| a\_b | x\|y z |"


# --- legacy {key} syntax --------------------------------------------------------------


def test_legacy_renders_keys():
    text = template.render("{comment} (v{version})", "legacy", {"comment": "done", "version": 3})
    assert text == "done (v3)"


def test_legacy_does_not_interpret_jinja():
    assert template.render("{{ comment }}", "legacy", {"comment": "x"}) != "x"


def test_legacy_missing_key_renders_empty_and_warns_with_the_key():
    warnings: list[str] = []
    text = template.render("[{comment}] [{nope}]", "legacy", {"comment": "c"}, warnings.append)
    assert text == "[c] []"
    assert len(warnings) == 1
    assert "{nope}" in warnings[0]


def test_legacy_warns_once_per_missing_occurrence():
    warnings: list[str] = []
    template.render_legacy("{a}{b}{a}", {}, warnings.append)
    assert len(warnings) == 3
    assert ["{a}" in w for w in warnings] == [True, False, True]


def test_legacy_missing_key_without_warn_callback_renders_empty():
    assert template.render_legacy("x{nope}y", {}) == "xy"


def test_legacy_present_key_does_not_warn():
    warnings: list[str] = []
    template.render_legacy("{comment}", {"comment": ""}, warnings.append)
    assert warnings == []


def test_legacy_keeps_text_outside_braces_verbatim():
    text = template.render_legacy("|  |  |\n|--|--|\n| version | `{version}` |", {"version": 12})
    assert text == "|  |  |\n|--|--|\n| version | `12` |"


# --- the ARCHITECTURE.md example ----------------------------------------------------------


def test_architecture_table_template_renders_two_instances():
    text = jinja(
        ARCHITECTURE_TEMPLATE,
        comment="Blocking pass done",
        instances=[
            {"name": "animMain", "version": 3},
            {"name": "render_main|beauty", "version": 12},
        ],
    )
    assert text == (
        "Blocking pass done\n"
        "\n"
        "| product | version |\n"
        "|--|--|\n"
        "| animMain | v003 |\n"
        "| render\\_main\\|beauty | v012 |\n"
    )


# --- laziness -----------------------------------------------------------------------------


def test_importing_template_does_not_import_jinja2():
    code = "import sys, kitsu_publish.template; sys.exit(1 if 'jinja2' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or "jinja2 was imported at import time"
