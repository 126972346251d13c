"""Comment rendering (docs/settings.md, "Comment templates")."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from kitsu_publish import template, text
from kitsu_publish.errors import KitsuPublishError, TemplateError

# The comment_template of the settings example in the README and docs/settings.md.
README_TEMPLATE = (
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


def test_errors_without_where_name_no_place():
    with pytest.raises(TemplateError) as info:
        template.render("{{ nope }}", "jinja", {"b": 1, "a": 2})
    assert str(info.value) == (
        "the comment template uses an undefined name: 'nope' is undefined. Known names: a, b"
    )
    with pytest.raises(TemplateError) as info:
        template.render_jinja("{{ 'x' * n }}", {"n": 10**7})
    assert str(info.value).endswith("would make about 10,000,000")
    with pytest.raises(TemplateError) as info:
        template.render_legacy("{a}", {"a": "x" * text.MAX_COMMENT_CHARS})
    assert str(info.value).endswith("by key '{a}'")


def test_a_template_that_is_not_text_does_not_compile():
    message = jinja_error(None, where="task X")  # type: ignore[arg-type]
    assert message.startswith("the comment template does not compile: TypeError: ")
    assert message.endswith("(task X)")


def test_a_template_that_exhausts_the_compiler_names_the_nesting():
    message = jinja_error("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", where="task X")
    assert message.startswith(
        "the comment template exceeds the nesting limit of the template compiler "
        "(Python's recursion limit, "
    )
    assert message.endswith("nested too deeply (task X)")


def test_a_render_that_runs_out_of_memory_is_a_template_error():
    def hungry() -> None:
        raise MemoryError

    assert jinja_error("{{ f() }}", where="task X", f=hungry) == (
        "the comment template ran out of memory (task X)"
    )


def test_a_macro_calling_itself_without_end_names_the_recursion_limit():
    message = jinja_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", where="task X")
    assert message == (
        f"the comment template exceeds the recursion depth limit of {sys.getrecursionlimit():,} "
        "Python frames: a macro or a recursive loop calls itself too deeply (task X)"
    )


def test_a_limit_names_where_it_was_exceeded():
    message = jinja_error("{{ 'x' * n }}", where="task X", n=10**7)
    assert message == (
        "the comment template exceeds the value size limit of 1,000,000 characters or items "
        "(MAX_VALUE_SIZE): a str of length 1 * 10,000,000 would make about 10,000,000 (task X)"
    )
    message = jinja_error("x" * 50_001, where="task X")
    assert message.endswith("it has 50,001 (task X)")


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


# The filter's output as text: what Kitsu's web app shows of it is tested by
# tests/test_note_rendering.py, with Kitsu's own renderer.
SPAN = "<span></span>"


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", r"a\|b"),
        ("*bold*", r"\*bold\*"),
        ("render_main", r"render\_main"),
        ("a|b*c_d", r"a\|b\*c\_d"),
        ("# title", "\\#" + SPAN + " title"),
        ("x#3", "x\\#" + SPAN + "3"),
        ("@Super Admin", "\\@" + SPAN + "Super Admin"),
        ("v003", "v" + SPAN + "003"),
        ("vfx V003", "vfx V003"),
        ("http://x/a_b", r"http\://x/a\_b"),
        ("www.studio.com", r"www\.studio\.com"),
        ("tom&amp;jerry", r"tom\&amp;jerry"),
        (":tada:", r"\:tada\:"),
        ("1. item", r"1\. item"),
        ("- item", r"\- item"),
        ("a == b", r"a \=\= b"),
    ],
)
def test_md_escapes_what_markdown_kitsu_or_zou_would_read(raw, escaped):
    assert template.md_escape(raw) == escaped


@pytest.mark.parametrize("raw", ["#all", "#Lighting", "\\#all", "fix #comp and #all", "##all"])
def test_md_escaped_text_triggers_no_zou_hashtag(raw):
    # Zou copies a comment to other tasks on #<letters>; a backslash does not stop it
    assert text.hashtags(raw) != []
    escaped = template.md_escape(raw)
    assert escaped.count("#") == escaped.count("#" + SPAN) == raw.count("#")
    assert text.hashtags(escaped) == []


@pytest.mark.parametrize("name", ["Super Admin", "Animation", "John Doe", "doe"])
def test_md_escaped_text_triggers_no_zou_mention(name):
    # Zou 1.0.97, comments_service.get_comment_mentions and get_comment_department_mentions
    mentioned = re.compile(f"@{re.escape(name)}( |$)")
    for raw in (f"@{name}", f"@{name} ", f"x @{name} y", f"john_{name}@studio.com @{name}"):
        assert mentioned.search(raw)
        assert not mentioned.search(template.md_escape(raw))


def test_md_follows_hash_and_at_by_an_empty_span_after_their_backslash():
    assert template.md_escape("#all") == "\\#" + SPAN + "all"
    assert template.md_escape("\\#all") == "\\\\\\#" + SPAN + "all"
    assert template.md_escape("a@b") == "a\\@" + SPAN + "b"


def test_md_breaks_a_v_before_a_digit_only():
    assert template.md_escape("v003 00:00:01.05 (30)") == (
        "v" + SPAN + r"003 00\:00\:01\.05 \(30\)"
    )
    assert template.md_escape("vv1 v x2v") == "vv" + SPAN + "1 v x2v"


def test_md_turns_line_breaks_into_br_so_a_value_stays_on_its_line():
    assert template.md_escape("one\ntwo\r\nthree") == "one<br>two<br>three"
    assert "\n" not in template.md_escape("a\nb\n")


def test_md_writes_spaces_html_would_collapse_as_nbsp():
    assert template.md_escape(" a  b ") == "&nbsp;a&nbsp;&nbsp;b&nbsp;"
    assert template.md_escape("    code") == "&nbsp;" * 4 + "code"
    assert template.md_escape("a\tb") == "a b"
    assert template.md_escape("a\t\tb") == "a&nbsp;&nbsp;b"
    assert template.md_escape("a \n b") == "a&nbsp;<br>&nbsp;b"
    assert template.md_escape("one space") == "one space"


def test_md_escapes_backslash_first():
    assert template.md_escape("a\\|b") == r"a\\\|b"


def test_md_of_none_is_empty_and_other_values_become_text():
    assert template.md_escape(None) == ""
    assert template.md_escape(3) == "3"


def test_md_leaves_plain_text_and_meaningless_punctuation_alone():
    assert template.md_escape("animMain V3 final") == "animMain V3 final"
    assert template.md_escape(",;'\"/?$%^") == ",;'\"/?$%^"


def test_md_escapes_every_markdown_character():
    raw = "\\`*_{}[]<>()#+-.!|~:&=@"
    escaped = "".join("\\" + char + (SPAN if char in "#@" else "") for char in raw)
    assert template.md_escape(raw) == escaped


def test_md_is_a_jinja_filter():
    text = jinja("| {{ name | md }} | {{ comment | md }} |", name="a_b", comment="x|y\nz")
    assert text == r"| a\_b | x\|y<br>z |"


# --- text Kitsu can store (kitsu_publish.text) ---------------------------------------------


def check_error(value: str, field: str = "comment", owner: str = "instance 'anim_main'") -> str:
    with pytest.raises(TemplateError) as info:
        text.check_text(value, field, owner)
    return str(info.value)


@pytest.mark.parametrize(
    "value",
    ["", "plain note", "tabs\tand\nnew lines\r\n", "émoji 🎬 and 中文", "\x7f and \x85 are kept"],
)
def test_check_text_accepts_what_kitsu_stores(value):
    text.check_text(value, "comment", "instance 'a'")


def test_check_text_accepts_exactly_the_limit():
    text.check_text("x" * text.MAX_COMMENT_CHARS, "comment", "instance 'a'")


def test_check_text_refuses_a_nul_naming_instance_field_and_position():
    message = check_error("Blocking do\x00ne")
    assert message == (
        "instance 'anim_main': the comment contains a NUL character at position 12 "
        "(after 'Blocking do'), which Kitsu cannot store; remove it"
    )


def test_check_text_refuses_a_nul_at_the_start():
    assert check_error("\x00x").startswith(
        "instance 'anim_main': the comment contains a NUL character at position 1,"
    )


@pytest.mark.parametrize("char", ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"])
def test_check_text_refuses_other_control_characters(char):
    message = check_error(f"ab{char}c", "rendered note", "task P / SH010 / Anim, instances a")
    assert message.startswith("task P / SH010 / Anim, instances a: the rendered note contains ")
    assert f"U+{ord(char):04X} at position 3" in message
    assert "tab, line feed and carriage return" in message


@pytest.mark.parametrize("char", ["\ud800", "\udfff", "\udc80"])
def test_check_text_refuses_lone_surrogates(char):
    message = check_error(f"a{char}")
    assert f"lone surrogate (U+{ord(char):04X}) at position 2" in message
    assert "not valid Unicode" in message


def test_check_text_refuses_text_over_the_limit_with_its_length():
    message = check_error("x" * (text.MAX_COMMENT_CHARS + 1), "rendered note", "task T")
    assert message == (
        "task T: the rendered note is 100,001 characters long, over the limit of 100,000 "
        "characters (MAX_COMMENT_CHARS) for a Kitsu note; shorten it"
    )


def test_check_text_quotes_little_of_the_text():
    message = check_error("y" * 5000 + "\x00")
    assert len(message) < 200


@pytest.mark.parametrize(
    ("value", "tags"),
    [
        ("", []),
        ("no tags", []),
        ("#all", ["all"]),
        ("#ALL please", ["all"]),
        ("for #Lighting and #comp then #lighting", ["lighting", "comp"]),
        ("#lighting and #all", ["all"]),
        ("#allright", ["allright"]),
        ("issue #12, C# and &#35;all", []),
        ("\\#all", ["all"]),
        ("#Layout_final", ["layout"]),
        ("#élan", []),
    ],
)
def test_hashtags_mirror_zou(value, tags):
    assert text.hashtags(value) == tags


def test_hashtags_match_zou_regex_on_the_same_text():
    import re

    sample = "#All #x1 #Comp-final & #35 \\#fx #"
    zou = [t[1:].lower() for t in re.findall("#[a-zA-Z]*", sample, re.IGNORECASE)]
    zou = ["all"] if "all" in zou else zou
    assert text.hashtags(sample) == [t for t in dict.fromkeys(zou) if t]


# --- plain data ---------------------------------------------------------------------------


class Live:
    """A live object with public methods, as pyblish puts in instance data."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def create_instance(self, name: str) -> str:
        self.created.append(name)
        return name

    def __str__(self) -> str:
        return "<Live context>"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


def test_plain_data_keeps_plain_values():
    data = {"a": 1, "b": 2.5, "c": "x", "d": True, "e": None, "f": [1, [2, {"g": "h"}]]}
    copy = template.plain_data(data)
    assert copy == data
    assert copy is not data
    assert copy["f"] is not data["f"]


def test_plain_data_turns_other_objects_into_text():
    copy = template.plain_data({"ctx": Live(), "bad": Unprintable(), 3: "int key"})
    assert copy == {"ctx": "<Live context>", "bad": "<Unprintable>", "3": "int key"}


def test_plain_data_makes_tuples_and_sets_lists_and_sets_sorted():
    copy = template.plain_data({"t": (1, 2), "s": {"b", "a", "c"}, "f": frozenset([2, 1])})
    assert copy == {"t": [1, 2], "s": ["a", "b", "c"], "f": [1, 2]}


def test_plain_data_uses_exact_builtin_types():
    class Text(str):
        def danger(self) -> str:
            return "called"

    class Number(int):
        pass

    copy = template.plain_data({"s": Text("x"), "n": Number(3)})
    assert type(copy["s"]) is str
    assert type(copy["n"]) is int


def test_plain_data_cuts_cycles():
    data: dict = {"name": "a", "items": []}
    data["self"] = data
    data["items"].append(data["items"])
    copy = template.plain_data(data)
    assert copy == {"name": "a", "items": ["[...]"], "self": "{...}"}


def test_plain_data_bounds_depth():
    deep: list = [1]
    for _ in range(50):
        deep = [deep]
    copy = template.plain_data({"deep": deep}, max_depth=3)
    assert copy == {"deep": [["[[[[...]]]]"]]}


def test_plain_data_shortens_the_text_of_a_container_too_deep_to_copy():
    copy = template.plain_data({"big": {"x": list(range(100_000))}}, max_depth=1)
    assert copy == {"big": "{'x': [0, 1, 2, 3, 4, 5, ...]}"}


def test_plain_data_bounds_the_number_of_values_breadth_first():
    data = {"first": 1, "files": [f"f{n}" for n in range(50_000)], "last": 2}
    copy = template.plain_data(data, max_items=100)
    assert copy["first"] == 1
    assert copy["last"] == 2
    assert 0 < len(copy["files"]) < 100


def test_live_object_methods_cannot_be_called_from_a_template():
    live = Live()
    data = template.plain_data({"ctx": live})
    with pytest.raises(TemplateError, match="has no attribute 'create_instance'"):
        jinja("{{ data.ctx.create_instance('x') }}", data=data)
    assert live.created == []


# --- limits (more in test_template_hostile.py) ----------------------------------------------


def test_limits_are_module_constants():
    assert template.RENDER_SECONDS == 2.0
    assert template.MAX_LOOP_DEPTH == 3
    assert template.MAX_VALUE_SIZE == 10 * text.MAX_COMMENT_CHARS
    assert template.MAX_TEMPLATE_CHARS == 50_000


def test_loop_nesting_over_the_limit_is_refused_before_rendering():
    message = jinja_error(
        "{% for a in x %}{% for b in x %}{% for c in x %}{% for d in x %}{{ boom() }}"
        "{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
        where="task X",
        x=[],
    )
    assert message.startswith(
        "the comment template exceeds the loop nesting limit of 3 nested loops "
        "(MAX_LOOP_DEPTH): its {% for %} loops nest 4 deep"
    )
    assert message.endswith("(task X)")


def test_sequential_loops_do_not_add_up():
    assert jinja("{% for a in x %}{% endfor %}" * 10 + "ok", x=[1]) == "ok"


def test_a_recursive_loop_counts_two_levels():
    tree = [{"n": 1, "c": [{"n": 2, "c": []}]}]
    body = "{% for t in tree recursive %}{{ t.n }}{{ loop(t.c) }}{% endfor %}"
    assert jinja(body, tree=tree) == "12"
    assert jinja("{% for x in [1] %}" + body + "{% endfor %}", tree=tree) == "12"
    message = jinja_error("{% for x in [1] %}{% for y in [1] %}" + body + "{% endfor %}" * 2)
    assert "nest 4 deep" in message


def test_output_over_the_limit_names_the_limit():
    message = jinja_error("{{ 'x' * 60000 }}{{ 'y' * 60000 }}", where="task X")
    assert message == (
        "the comment template exceeds the output size limit of 100,000 characters "
        "(MAX_COMMENT_CHARS): it rendered 120,000 characters before it was stopped (task X)"
    )


def test_template_size_over_the_limit_is_refused():
    message = jinja_error("{{ comment }}" + " " * template.MAX_TEMPLATE_CHARS, comment="x")
    assert "template size limit of 50,000 characters" in message


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
    assert template.render("x{nope}y", "legacy", {}, where="task X") == "xy"


def test_legacy_warning_names_the_key_and_where():
    warnings: list[str] = []
    template.render("{nope}", "legacy", {}, warnings.append)
    template.render("{nope}", "legacy", {}, warnings.append, where="task X")
    assert warnings == [
        "template key '{nope}' was not found; it renders as empty text",
        "template key '{nope}' was not found; it renders as empty text (task X)",
    ]


def test_legacy_none_value_renders_empty_and_warns():
    warnings: list[str] = []
    assert template.render_legacy("[{v}]", {"v": None}, warnings.append) == "[]"
    assert warnings == ["template key '{v}' was not found; it renders as empty text"]


def test_legacy_renders_any_value_as_its_text():
    assert template.render_legacy("{a}|{b}|{c}", {"a": 0, "b": [1], "c": False}) == "0|[1]|False"


def test_legacy_present_key_does_not_warn():
    warnings: list[str] = []
    template.render_legacy("{comment}", {"comment": ""}, warnings.append)
    assert warnings == []


def test_legacy_keeps_text_outside_braces_verbatim():
    text = template.render_legacy("|  |  |\n|--|--|\n| version | `{version}` |", {"version": 12})
    assert text == "|  |  |\n|--|--|\n| version | `12` |"


# --- the README example ----------------------------------------------------------


def test_architecture_table_template_renders_two_instances():
    text = jinja(
        README_TEMPLATE,
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
