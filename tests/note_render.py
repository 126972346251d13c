"""A note as Kitsu's web app shows it: the renderer of tools/kitsu_render, run by node.

:class:`KitsuWeb` sends every text of a test at once to ``tools/kitsu_render/render.mjs``
(marked with marked-emoji, sanitize-html and Kitsu's substitutions, at the versions
Kitsu's frontend pins) and reads the HTML back; :func:`shown` reads that HTML as a
browser shows it. :func:`zou_mentions` is Zou's own rule for what a posted text mentions.

node and the npm packages: :func:`kitsu_web_installed` (the tests' ``kitsu_web``
fixture) runs ``npm ci`` in tools/kitsu_render when its packages are missing or not the
pinned versions.
Without node (or npm), or with a node older than :data:`MIN_NODE`, the tests that need
it are skipped, unless ``KITSU_REQUIRE_NODE=1`` (CI sets it), which makes them fail
saying what is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, NoReturn

import pytest

RENDERER = Path(__file__).resolve().parents[1] / "tools" / "kitsu_render"
#: The versions Kitsu's frontend pins (its package.json), which ours pins too.
PINNED = json.loads((RENDERER / "package.json").read_text(encoding="utf-8"))["dependencies"]
#: The oldest node that runs sanitize-html 2.17.6, a CommonJS module requiring the
#: ES module htmlparser2 12: require(esm) works unflagged from Node 20.19 (and 22.12).
MIN_NODE = (20, 19)
#: What render.mjs writes for an emoji: a private-use character, which no input holds.
EMOJI = "\ue000"

# Elements that start a line of their own in the browser (what this module reads as
# blocks); the others are inline.
BLOCKS = frozenset(
    (
        *("address", "article", "aside", "blockquote", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table"),
        *("tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    )
)
VOID = frozenset(["br", "hr", "img", "wbr", "col"])


class KitsuWeb:
    """Kitsu's web rendering of comment texts, one node process per call."""

    def __init__(self, node: str) -> None:
        self.node = node

    def run(self, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        found = subprocess.run(
            [self.node, str(RENDERER / "render.mjs")],
            input=json.dumps({"items": list(items)}),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
        if found.returncode:
            raise AssertionError(f"render.mjs failed: {found.stderr.strip()}")
        answer: dict[str, Any] = json.loads(found.stdout)
        return answer

    def render(self, items: Sequence[dict[str, Any]]) -> list[str]:
        """The HTML Kitsu shows for each item: ``{"text", "mentions", ...}`` (render.mjs)."""
        html: list[str] = self.run(items)["html"]
        return html

    def versions(self) -> dict[str, str]:
        versions: dict[str, str] = self.run([])["versions"]
        return versions


def _missing(what: str) -> NoReturn:
    need = ".".join(map(str, MIN_NODE))
    message = (
        f"{what}: the Kitsu rendering tests need node {need} or later and npm (README, Try it)"
    )
    if os.environ.get("KITSU_REQUIRE_NODE") == "1":
        pytest.fail(f"{message}; KITSU_REQUIRE_NODE=1 forbids skipping them", pytrace=False)
    pytest.skip(message)


def kitsu_web_installed() -> KitsuWeb:
    """node with the pinned packages; ``npm ci`` first when they are not installed."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed")
    version = subprocess.run(
        [str(node), "--version"], capture_output=True, text=True, timeout=60, check=False
    ).stdout.strip()
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    if numbers < MIN_NODE:
        _missing(
            f"node {version or '(no version)'} is older than "
            f"{'.'.join(map(str, MIN_NODE))}, which sanitize-html {PINNED['sanitize-html']} needs"
        )
    web = KitsuWeb(str(node))
    try:
        if web.versions() == PINNED:
            return web
    except AssertionError:
        pass  # not installed yet
    npm = shutil.which("npm")
    if npm is None:
        _missing(f"npm is not installed, and {RENDERER}/node_modules lacks the packages")
    done = subprocess.run(
        [str(npm), "ci", "--no-audit", "--no-fund", "--prefix", str(RENDERER)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode:
        pytest.fail(f"npm ci in {RENDERER} failed:\n{done.stdout}{done.stderr}", pytrace=False)
    versions = web.versions()
    assert versions == PINNED, f"npm ci installed {versions}, not {PINNED}"
    return web


# --- Zou's parsing of a posted text ----------------------------------------------------


def zou_mentions(text: str, names: Iterable[str]) -> list[str]:
    """The names Zou 1.0.97 finds mentioned in ``text`` (comments_service.
    get_comment_mentions and get_comment_department_mentions: ``@`` and the full name or
    department name, then a space or the end of the text)."""
    return [name for name in names if re.search(f"@{re.escape(name)}( |$)", text)]


# --- the HTML as a browser shows it ------------------------------------------------------


@dataclass
class Element:
    """An element of the rendered HTML: its tag, attributes and children."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    def walk(self) -> Iterable[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find(self, tag: str) -> list[Element]:
        return [e for e in self.walk() if e.tag == tag]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def text_of(element: Element) -> str:
    """The text of an element as a browser shows it (CSS ``white-space: normal``):
    runs of spaces, tabs and line feeds are one space, none at the start or end of a
    line; ``<br>`` and block elements start a new line (a ``<br>`` ending a block adds
    none); a no-break space is a space."""
    pieces: list[str] = []

    def add(node: Element | str) -> None:
        if isinstance(node, str):
            pieces.append(node)
            return
        if node.tag == "br":
            pieces.append("\x00")
        edge = "\x01" if node.tag in BLOCKS else ""
        pieces.append(edge)
        for child in node.children:
            add(child)
        pieces.append(edge)

    add(element)
    shown_lines = []
    for block in re.sub("[ \t\n\r\x0c]+", " ", "".join(pieces)).split("\x01"):
        lines = [line.strip(" ") for line in block.split("\x00")]
        if len(lines) > 1 and not lines[-1]:
            lines.pop()
        if any(lines):
            shown_lines.extend(lines)
    return "\n".join(shown_lines).replace("\xa0", " ")


def skeleton(element: Element) -> list[str]:
    """Every element but empty ``<span>`` and ``<br>`` (which ``md`` writes), with its
    attributes, in document order: what a note shows besides its text."""
    found = []
    for node in element.walk():
        if node.tag in ("root", "br") or (node.tag == "span" and not node.attrs):
            continue
        attrs = " ".join(f'{k}="{v}"' for k, v in sorted(node.attrs.items()))
        found.append(f"<{node.tag}{' ' if attrs else ''}{attrs}>")
    return found


def shown(html: str) -> str:
    """The text of rendered HTML as a browser shows it (see :func:`text_of`)."""
    return text_of(parse(html))
