"""Text posted to Kitsu: what Zou can store, and which hashtags make it copy a comment.

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

__all__ = ["MAX_COMMENT_CHARS", "check_text", "hashtags"]

#: Longest comment (and rendered note) posted to Kitsu, in characters.
MAX_COMMENT_CHARS = 100_000

# NUL and the other C0 controls except tab, line feed and carriage return; and every
# surrogate code point (a str holding one cannot be encoded to UTF-8).
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")

# Zou 1.0.97, comments_service.get_comment_hashtags: re.findall("#[a-zA-Z]*", text, re.I)
_HASHTAG = re.compile("#[a-zA-Z]*", re.IGNORECASE)


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
