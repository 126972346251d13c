"""Text posted to Kitsu: what Zou can store, which hashtags make it copy a comment, and
the artist's line breaks kept as Kitsu shows them.

Pure: no jinja2, no gazu, no pyblish.

Measured on Zou 1.0.97 (PostgreSQL, loopback, gazu 1.3.1, admin,
``gazu.task.add_comment`` on a seeded task):

==================  ==================================================================
text                result
==================  ==================================================================
100,000 characters  stored, 0.09-0.13 s per post
64 KiB              stored, 0.15 s
1 MiB               stored, 0.11-0.13 s
10 MiB              stored, 0.50 s
50 MiB              stored, 3.05 s; reading that task's comments back (61 MiB) 0.98 s
``"a\\x00b"``       500 Internal Server Error: psycopg ``DataError: PostgreSQL text fields
                    cannot contain NUL (0x00) bytes``; nothing stored
``"a\\ud800b"``     400 "Validation error. (task_status_id: Field required)": Zou's JSON
                    parser refuses the body, so every field looks missing
``\\x01 \\x1b \\x7f``  stored as is (invisible in the web app)
==================  ==================================================================

``comment.text`` is an unbounded ``db.Text`` column and Flask's ``MAX_CONTENT_LENGTH``
defaults to 10 GiB, so the server is not what limits a note. The readers are: the
Kitsu web app fetches every comment of a task whenever the task is opened and renders
each one's whole markdown, and the server echoes the text back in its reply. A studio
note is a few KB; a review table of 300 instances at ~100 characters a row is ~30 KB.
:data:`MAX_COMMENT_CHARS` (100,000 characters) leaves three times that, posts in about
0.1 s, and is 0.2 % of what Zou accepted; anything longer is a template or data
mistake, not a note.
"""

from __future__ import annotations

import re

from .errors import TemplateError, shorten

__all__ = ["MAX_COMMENT_CHARS", "check_text", "hard_breaks", "hashtags"]

#: Longest comment (and rendered note) posted to Kitsu, in characters.
MAX_COMMENT_CHARS = 100_000

# NUL and the other C0 controls except tab, line feed and carriage return; and every
# surrogate code point (a str holding one cannot be encoded to UTF-8).
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

# Zou 1.0.97, comments_service.get_comment_hashtags: re.findall("#[a-zA-Z]*", text, re.I)
_HASHTAG = re.compile("#[a-zA-Z]*", re.IGNORECASE)

# CommonMark: a code fence opens with three or more backticks or tildes, indented by at
# most three spaces, and closes with at least as many of the same character.
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def check_text(text: str, field: str, owner: str) -> None:
    """Raise :class:`TemplateError` when Kitsu cannot (or should not) store ``text``.

    ``field`` names the text ("comment", "rendered note") and ``owner`` whose it is
    ("instance 'animMain'", "task P / SH010 / Animation, instances a, b"). Refused: more
    than :data:`MAX_COMMENT_CHARS` characters; NUL (Zou answers 500); the other C0
    control characters except tab, line feed and carriage return (Zou stores them, but
    they are invisible in the web app and only ever come from a paste or encoding
    accident); surrogate code points (not valid Unicode; Zou answers 400).
    """
    prefix = f"{owner}: the {field}"
    if len(text) > MAX_COMMENT_CHARS:
        raise TemplateError(
            f"{prefix} is {len(text):,} characters long, over the limit of "
            f"{MAX_COMMENT_CHARS:,} characters (MAX_COMMENT_CHARS) for a Kitsu note; "
            "shorten it"
        )
    match = _BAD_CHARACTER.search(text)
    if match is None:
        return
    char = match.group()
    index = match.start()
    at = f"at position {index + 1}"
    if index:
        at += f" (after {shorten(text[max(0, index - 20) : index], 30)})"
    code = f"U+{ord(char):04X}"
    if char == "\x00":
        raise TemplateError(
            f"{prefix} contains a NUL character {at}, which Kitsu cannot store; remove it"
        )
    if "\ud800" <= char <= "\udfff":
        raise TemplateError(
            f"{prefix} contains a lone surrogate ({code}) {at}, which is not valid "
            "Unicode and which Kitsu refuses; the text was decoded wrongly: fix or "
            "retype it"
        )
    raise TemplateError(
        f"{prefix} contains the control character {code} {at}; a Kitsu note may hold "
        "tab, line feed and carriage return but no other control character; remove it"
    )


def hashtags(text: str) -> list[str]:
    """The task type names Zou looks for when ``text`` is posted, lower case, in order.

    Mirrors Zou's ``get_comment_hashtags``: every ``#`` followed by ASCII letters, case
    insensitive; when ``all`` is among them the answer is just ``["all"]`` (every other
    task of the entity). Zou posts a copy of the comment to each other task of the
    entity whose task type name (lower case) is one of them. A ``#`` followed by no
    letter gives Zou an empty name that matches no task; it is left out here.
    """
    found = [tag[1:].lower() for tag in _HASHTAG.findall(text)]
    if "all" in found:
        return ["all"]
    return [tag for tag in dict.fromkeys(found) if tag]


def hard_breaks(text: str) -> str:
    """``text`` with each single line break made a hard line break, for Kitsu.

    Kitsu renders a comment as GFM without marked's ``breaks`` option, so lines not
    separated by a blank line join into one paragraph. Two spaces at the end of a line
    are markdown's hard line break: they go at the end of every line followed by another
    non-blank line, except in fenced code (which keeps its lines anyway), on the fences
    themselves, inside a code span (where a line break is a space) and where the line
    already ends in a hard break (two spaces or a backslash). Elsewhere markdown ignores
    trailing spaces (a heading, a table row, the last line of a block), so the artist's
    markdown means what it meant; line breaks are made ``\\n``.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    in_span = _breaks_in_code_spans(lines)
    fence = ""  # the fence of the code block the line is in, if any
    for index, line in enumerate(lines[:-1]):
        found = _FENCE.match(line)
        marks = found.group(1) if found else ""
        rest = line[found.end() :] if found else ""
        if fence:
            if marks[:1] == fence[0] and len(marks) >= len(fence) and not rest.strip():
                fence = ""  # the closing fence
        elif marks and not (marks[0] == "`" and "`" in rest):
            fence = marks  # an opening fence (a backtick fence's info has no backtick)
        elif (
            line.strip()
            and lines[index + 1].strip()
            and index not in in_span
            and not line.endswith(("  ", "\\"))
        ):
            lines[index] = line.rstrip(" ") + "  "
    return "\n".join(lines)


def _breaks_in_code_spans(lines: list[str]) -> set[int]:
    """The indexes of the lines whose line break is inside a code span: a run of
    backticks closed by the next run of the same length in the same paragraph
    (CommonMark; a backslash before an opening run takes its first backtick)."""
    inside: set[int] = set()
    ends, offset = [], 0  # where each line's break is in the whole text
    for line in lines:
        offset += len(line)
        ends.append(offset)
        offset += 1
    for paragraph in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", "\n".join(lines)):
        runs = list(re.finditer(r"\\?(`+)", paragraph.group()))
        index = 0
        while index < len(runs):
            run = runs[index]
            opening = run.group(1)[1:] if run.group().startswith("\\") else run.group(1)
            closing = next(
                (j for j in range(index + 1, len(runs)) if runs[j].group(1) == opening), None
            )
            if not opening or closing is None:
                index += 1
                continue
            begin = paragraph.start() + run.end()
            end = paragraph.start() + runs[closing].start(1)
            inside.update(n for n, at in enumerate(ends) if begin <= at < end)
            index = closing + 1
    return inside
