"""Notes as Kitsu's web app shows them (docs/notes.md), rendered by Kitsu's own libraries.

The posted text goes through tools/kitsu_render/render.mjs: marked (GFM) with
marked-emoji, sanitize-html with Kitsu's options, then Kitsu's substitutions (mentions
Zou stored, ``#TaskType`` and ``#All`` tag links, timecodes), at the versions Kitsu's
frontend pins. One node process renders every text of this module.

- ``md``: a hostile name, rendered through a template in each place a template puts it
  (alone, in a sentence, in a table cell, in emphasis, on a second line, next to
  mentions and a tag the template asks for), shows exactly as it is; the note has no
  element the same template with a plain name lacks (no link, mention, tag, emoji,
  timecode, emphasis, code, heading, list...); Zou finds no mention and no tag in it.
- The artist's comment keeps its single line breaks: Kitsu shows the posted note as
  marked shows the comment with its ``breaks`` option (GFM line breaks), with and
  without a template.

Without node these tests skip, unless ``KITSU_REQUIRE_NODE=1`` (CI): see note_render.py.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

import pytest

from kitsu_publish import plan, template, text
from kitsu_publish.model import TaskInfo
from kitsu_publish.settings import CommentTemplate, Settings
from note_render import (
    EMOJI,
    KitsuWeb,
    kitsu_web_installed,
    parse,
    shown,
    skeleton,
    text_of,
    zou_mentions,
)

TASK = TaskInfo(
    id="task-1", project="Spring", entity="SQ010/SH010", task_type="Animation", status="wip"
)
#: The team, the departments and the entity's task types Kitsu links (``#<name>``).
PEOPLE = ["Super Admin", "John Doe", "Jane Doe"]
DEPARTMENTS = ["Animation", "Modeling", "Lighting & Render"]
TASK_TYPES = ["Animation", "Layout", "Lighting", "Light & Render", "FX", "Compositing"]

#: Every case of issue 18, then our own.
ISSUE_CASES = [
    "http://x/a_b",
    "[link](http://x)",
    "www.studio.com_v2",
    "john_doe@studio.com",
    "@Super Admin",
    "@Animation",
    "tom&amp;jerry",
    "x &copy; y",
    "#All",
    "#Animation",
    ":tada:",
    "v003 00:00:01.05 (30)",
]
#: Our own: markdown, HTML, entities, links, mentions, tags, emoji, timecodes, spaces.
OUR_CASES = [
    "#Light & Render",
    "#all #FX #compositing",
    "v3 1:00:00:01:05 (30)",
    "shot v12 00:01:02.03 (1551) v2 0:0:0.0 (0)",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<b>bold</b> <span style='color:red'>red</span>",
    "<!-- comment -->",
    "**bold** _italic_ ~~struck~~ `code`",
    "__init__ *a*b* snake_case_name_v001",
    "# heading",
    "###### six",
    "- item",
    "+ item",
    "* item",
    "1. first",
    "2) second",
    "> quote",
    "    indented code",
    "\tindented by a tab",
    "```python",
    "~~~",
    "---",
    "===",
    "***",
    "| a | b |",
    "|---|",
    "a\\b\\\\c\\",
    "\\*not bold\\*",
    "&#35;All &#64;Super Admin",
    "&lt;b&gt; &amp; &#x26; &nbsp;",
    "https://studio.com/a_(b)?q=1&r=2#frag",
    "ftp://files.studio.com/x",
    "HTTP://CAPS.COM WWW.CAPS.COM",
    "mailto:a@b.com",
    "<http://x.y> <a@b.c>",
    "![image](http://x/y.png)",
    "[ref]: http://x",
    "[ref]",
    "- [ ] not a checkbox",
    "@Super Admin: please",
    "Super Admin@studio.com",
    "@John Doe\n@Jane Doe",
    "@Lighting & Render",
    "john.doe+tag@studio.co.uk",
    "  two  spaces  ",
    "tab\there\t\tand two",
    "line one\nline two",
    "a\n\nb",
    "trailing spaces  \nnext",
    ":+1: :smile: :white_check_mark: :-1: :100:",
    "a:b:c 10:30 :x:",
    "char_Fox|v2 *final* #all",
    "$x$ ^sup^ %p% ,;?/'\"",
    "日本語 ünïcödé 😀 Ωmega",
    "@",
    "#",
    "v",
    "v1",
    "x\u00a0y",
    "<span>@Super Admin</span> <span>#All</span>",
    "{{ not jinja }} {% nor this %}",
    "www.x.com @John Doe #FX v1 0:0:1.2 (3) :tada: &amp; <b>",
]
HOSTILE_NAMES = [*ISSUE_CASES, *OUR_CASES]

#: Where templates put a name: (template, the shown text of the note for a name shown
#: as ``shown``). Each place is rendered with each name and with plain "x".
Place = Callable[[Any], str]
PLACES: dict[str, tuple[str, Callable[[str], str], Place]] = {
    "alone": ("{{ name | md }}", lambda v: v, text_of),
    "sentence": (
        "Published {{ name | md }} for review.",
        "Published {} for review.".format,
        text_of,
    ),
    "table cell": (
        "| Product | Version |\n|---|---|\n| {{ name | md }} | v003 |\n",
        lambda v: v,
        lambda root: text_of(root.find("td")[0]),
    ),
    "emphasis": (
        "*Published on the farm for {{ name | md }}.*",
        "Published on the farm for {}.".format,
        text_of,
    ),
    "second line": ("Product\n{{ name | md }}", "Product {}".format, text_of),
    "next to mentions": (
        "@Super Admin @Animation {{ name | md }} see #All",
        "@Super Admin @Animation {} see #All".format,
        text_of,
    ),
}


def as_shown(value: str) -> str:
    """What the eye should see of ``value``: its lines, a tab as a space."""
    return "\n".join(line.replace("\t", " ") for line in value.splitlines()).replace("\xa0", " ")


def kitsu_item(note: str) -> dict[str, Any]:
    """The item render.mjs takes: the note and what Zou stores as mentioned in it."""
    return {
        "text": note,
        "mentions": [
            {"id": f"person-{i}", "full_name": name}
            for i, name in enumerate(PEOPLE)
            if zou_mentions(note, [name])
        ],
        "department_mentions": [
            {"id": f"department-{i}", "name": name, "color": "#ff0000"}
            for i, name in enumerate(DEPARTMENTS)
            if zou_mentions(note, [name])
        ],
        "task_types": [{"name": name, "url": f"/tasks/{name}"} for name in TASK_TYPES],
    }


@pytest.fixture(scope="module")
def kitsu_web() -> KitsuWeb:
    """Kitsu's web rendering (``npm ci`` first if needed; without node: see note_render)."""
    return kitsu_web_installed()


@pytest.fixture(scope="module")
def notes(kitsu_web: KitsuWeb) -> dict[tuple[str, str], tuple[str, str]]:
    """(place, name) -> (the posted text, the HTML Kitsu shows), names and "x"."""
    keys = [(place, name) for place in PLACES for name in ["x", *HOSTILE_NAMES]]
    posted = [template.render_jinja(PLACES[place][0], {"name": name}) for place, name in keys]
    html = kitsu_web.render([kitsu_item(note) for note in posted])
    return dict(zip(keys, zip(posted, html)))


def test_the_corpus_has_every_case_of_the_issue_and_forty_names_or_more():
    assert len(set(HOSTILE_NAMES)) == len(HOSTILE_NAMES) >= 40
    assert all(name in HOSTILE_NAMES for name in ISSUE_CASES)
    assert not any(EMOJI in name for name in HOSTILE_NAMES)


def test_the_renderer_is_kitsus_versions(kitsu_web: KitsuWeb):
    assert kitsu_web.versions() == {
        "marked": "18.0.9",
        "marked-emoji": "2.0.3",
        "sanitize-html": "2.17.6",
    }


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=lambda name: repr(name)[:40])
def test_md_shows_a_name_exactly_and_nothing_else(notes, name):
    everyone = PEOPLE + DEPARTMENTS
    problems = []
    for place, (_template, expected, read) in PLACES.items():
        posted, html = notes[(place, name)]
        plain_posted, plain_html = notes[(place, "x")]
        root = parse(html)
        found = []
        if read(root) != expected(as_shown(name)):
            found.append(f"shows {read(root)!r}, not {expected(as_shown(name))!r}")
        if skeleton(root) != skeleton(parse(plain_html)):
            found.append(f"has {skeleton(root)}, not {skeleton(parse(plain_html))}")
        if zou_mentions(posted, everyone) != zou_mentions(plain_posted, everyone):
            found.append(f"makes Zou store the mentions {zou_mentions(posted, everyone)}")
        if text.hashtags(posted) != text.hashtags(plain_posted):
            found.append(f"makes Zou read the tags {text.hashtags(posted)}")
        if found:
            problems.append(f"{place}: {'; '.join(found)}\n  posted {posted!r}\n  html {html!r}")
    assert not problems, "\n".join(problems)


def test_a_plain_name_shows_as_it_is_in_every_place(notes):
    for place, (_tpl, expected, read) in PLACES.items():
        assert read(parse(notes[(place, "x")][1])) == expected("x"), place


def test_the_mentions_and_tag_a_template_asks_for_still_work(notes):
    for name in ("x", "@Super Admin", "@Animation", "#All"):
        posted, html = notes[("next to mentions", name)]
        root = parse(html)
        links = [(a.attrs.get("class"), a.attrs.get("href")) for a in root.find("a")]
        assert links == [("mention", "/people/person-0"), ("mention mention-task", "#")]
        assert [s.attrs for s in root.find("span") if s.attrs] == [{"style": "color: #ff0000"}]
        assert zou_mentions(posted, PEOPLE + DEPARTMENTS) == ["Super Admin", "Animation"]


# --- the artist's line breaks ------------------------------------------------------------

COMMENTS = [
    "Fixed the arm.\nPlease check the hands.\nThanks",
    "Two paragraphs\nof two lines\n\nthe second\none",
    "Windows line ends\r\nstay lines\r\ntoo",
    "Notes:\n- arm fixed\n- hands\nstill wrong\n1. one\n2. two",
    "# Title\nfirst line\nsecond line",
    "Title\n===\ntext\nmore",
    "| shot | frames |\n|---|---|\n| SH010 | 1-100 |\n| SH020 | 1-50 |\nafter the table",
    "Before code\n```\nline 1\nline 2\n```\nafter\ncode",
    "~~~\nfenced\n~~~\nafter",
    "text\n\n    indented code\n    second code line\n\nafter",
    "> quoted\n> lines\nlazy line",
    "already hard  \nbroken\\\nlines",
    "**bold\nacross lines** and _it\nalic_",
    "a [link\ntext](http://x) and `code\nspan`",
    "<div>html\nblock</div>\ntext\nmore",
    "one single line",
]


def hard_breaks_note(comment: str, with_template: bool) -> str:
    settings = Settings()
    if with_template:
        settings = replace(settings, template=CommentTemplate(True, "{{ comment }}", "jinja"))
    member = plan.member_of({"name": "a", "comment": comment}, "", "a")
    return plan.build_note(settings, TASK, [member]).text


def tidy(html: str) -> str:
    """HTML without the spaces before a line end or a tag, which no one sees."""
    return re.sub(" +(?=\n|<)", "", html)


def test_the_artists_line_breaks_show_as_with_gfm_line_breaks(kitsu_web: KitsuWeb):
    posted = [hard_breaks_note(c, t) for c in COMMENTS for t in (False, True)]
    wanted = [{"text": c.strip(), "breaks": True} for c in COMMENTS for _ in (False, True)]
    html = kitsu_web.render([*map(kitsu_item, posted), *wanted])
    got, want = html[: len(posted)], html[len(posted) :]
    problems = [
        f"{p!r}:\n    Kitsu {g!r}\n    wanted {w!r}"
        for p, g, w in zip(posted, got, want)
        if tidy(g) != tidy(w)
    ]
    assert not problems, "\n".join(problems)


def test_a_two_thousand_line_comment_shows_two_thousand_lines(kitsu_web: KitsuWeb):
    comment = "\n".join(f"line {i}: fixed" for i in range(2000))
    (html,) = kitsu_web.render([kitsu_item(hard_breaks_note(comment, False))])
    assert shown(html).splitlines() == comment.splitlines()


# --- the example of docs/notes.md ------------------------------------------------------------

PAGE = Path(__file__).resolve().parents[1] / "docs" / "notes.md"


def page_example() -> dict[str, Any]:
    """The example of docs/notes.md: its template, instances, posted text and shown text."""
    section = PAGE.read_text(encoding="utf-8").split("## Example", 1)[1].split("\n## ", 1)[0]
    blocks = dict(re.findall(r"```(\w+)\n(.*?)```", section, re.S))
    names = re.findall(r"^- `(.+)`, version (\d+)[;.]$", section, re.M)
    return {
        "template": blocks["jinja"].rstrip("\n"),
        "instances": [(name, int(version)) for name, version in names],
        "posted": blocks["markdown"],
        "shown": blocks["text"].rstrip("\n"),
    }


def test_the_example_of_the_notes_page_is_what_is_posted_and_shown(kitsu_web: KitsuWeb):
    example = page_example()
    assert len(example["instances"]) == 4
    settings = replace(Settings(), template=CommentTemplate(True, example["template"], "jinja"))
    members = [
        plan.member_of(
            {
                "productName": name,
                "productType": "render",
                "version": version,
                "comment": "Fixed the arm.\nThe hands are next.",
            },
            "",
            name,
        )
        for name, version in example["instances"]
    ]
    posted = plan.build_note(settings, TASK, members).text
    assert posted == example["posted"]
    (html,) = kitsu_web.render([kitsu_item(posted)])
    assert shown(html) == example["shown"]
    head = ["<p>", "<table>", "<thead>", "<tr>", "<th>", "<th>", "<tbody>"]
    assert skeleton(parse(html)) == [*head, *(["<tr>", "<td>", "<td>"] * 4)]
