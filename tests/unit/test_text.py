"""What Kitsu can store in a note, and which hashtags make Zou copy it (kitsu_publish.text).

The limits are Zou 1.0.97's (the module docstring has the measurements): a note of at most
MAX_COMMENT_CHARS characters, no NUL, no C0 control character but tab, line feed and
carriage return, no lone surrogate. The messages name the position and the text before
it, which is what an artist needs to find an invisible character: their wording is
asserted where it is the point.
"""

from __future__ import annotations

import pytest

from kitsu_publish.errors import TemplateError
from kitsu_publish.text import MAX_COMMENT_CHARS, check_text, hard_breaks, hashtags


def refusal(value: str, field: str = "comment", owner: str = "instance 'animMain'") -> str:
    with pytest.raises(TemplateError) as info:
        check_text(value, field, owner)
    return str(info.value)


# --- length ---------------------------------------------------------------------------


def test_the_limit_is_one_hundred_thousand_characters():
    assert MAX_COMMENT_CHARS == 100_000


def test_a_note_of_exactly_the_limit_is_accepted():
    check_text("x" * MAX_COMMENT_CHARS, "comment", "instance 'a'")


def test_a_note_one_character_over_the_limit_is_refused_naming_its_length():
    message = refusal("x" * (MAX_COMMENT_CHARS + 1), "rendered note", "task P / S / A")
    assert message == (
        "task P / S / A: the rendered note is 100,001 characters long, over the limit of "
        "100,000 characters (MAX_COMMENT_CHARS) for a Kitsu note; shorten it"
    )


def test_the_limit_counts_characters_not_bytes():
    check_text("é" * MAX_COMMENT_CHARS, "comment", "instance 'a'")


def test_an_empty_note_is_accepted():
    check_text("", "comment", "instance 'a'")


# --- characters -------------------------------------------------------------------------


@pytest.mark.parametrize("allowed", ["\t", "\n", "\r", "\r\n", "\x7f", " ", "é", "日本", "😀"])
def test_tab_line_feed_carriage_return_and_printable_text_are_accepted(allowed):
    check_text(f"a{allowed}b", "comment", "instance 'a'")


@pytest.mark.parametrize(
    "control", ["\x01", "\x07", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f"]
)
def test_every_other_c0_control_character_is_refused_by_its_code_point(control):
    message = refusal(f"ab{control}")
    code = f"U+{ord(control):04X}"
    assert message == (
        f"instance 'animMain': the comment contains the control character {code} at "
        "position 3 (after 'ab'); a Kitsu note may hold tab, line feed and carriage return "
        "but no other control character; remove it"
    )


def test_a_nul_is_refused_as_something_kitsu_cannot_store():
    assert refusal("ab\x00c") == (
        "instance 'animMain': the comment contains a NUL character at position 3 "
        "(after 'ab'), which Kitsu cannot store; remove it"
    )


@pytest.mark.parametrize("surrogate", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_a_lone_surrogate_is_refused_as_wrongly_decoded_text(surrogate):
    message = refusal(f"ab{surrogate}")
    assert message == (
        f"instance 'animMain': the comment contains a lone surrogate (U+{ord(surrogate):04X}) "
        "at position 3 (after 'ab'), which is not valid Unicode and which Kitsu refuses; "
        "the text was decoded wrongly: fix or retype it"
    )


def test_the_characters_either_side_of_the_surrogates_are_accepted():
    check_text("a\ud7ff\ue000b", "comment", "instance 'a'")


def test_the_first_bad_character_is_the_one_reported():
    message = refusal("ok\x1b then \x00")
    assert "control character U+001B at position 3" in message
    assert "NUL" not in message


def test_a_bad_first_character_has_no_text_before_it_to_quote():
    message = refusal("\x00abc")
    assert "a NUL character at position 1, which" in message
    assert "after" not in message


def test_the_message_quotes_the_twenty_characters_before_the_bad_one():
    before = "SKIPPED" + "0123456789" + "abcdefghij"
    message = refusal(before + "\x01")
    assert "at position 28 (after '0123456789abcdefghij');" in message


def test_the_message_quotes_all_of_a_short_text_before_the_bad_one():
    message = refusal("abcde\x01")
    assert "at position 6 (after 'abcde');" in message


def test_a_long_quote_before_the_bad_character_is_cut_to_thirty_characters():
    before = "\t" * 20  # repr doubles each tab: '\t\t...' is 42 characters
    message = refusal(before + "\x00")
    quoted = repr(before)[:27] + "..."
    assert len(quoted) == 30
    assert f"at position 21 (after {quoted})," in message


def test_the_owner_and_field_open_the_message():
    message = refusal("\x00", field="rendered note", owner="task P / SH010 / Animation")
    assert message.startswith("task P / SH010 / Animation: the rendered note contains")


def test_the_length_is_checked_before_the_characters():
    message = refusal("\x00" * (MAX_COMMENT_CHARS + 1))
    assert "100,001 characters long" in message


# --- hashtags ------------------------------------------------------------------------------


def test_hashtags_are_the_letters_after_each_hash_lower_cased_in_order():
    assert hashtags("for #Lighting and #comp") == ["lighting", "comp"]


def test_a_hashtag_given_twice_is_listed_once():
    assert hashtags("#comp #lighting #COMP") == ["comp", "lighting"]


def test_hash_all_stands_for_every_other_task_and_is_the_only_answer():
    assert hashtags("#comp then #All") == ["all"]


def test_a_hash_followed_by_no_letter_is_no_hashtag():
    assert hashtags("issue #12, C# and # alone") == []


def test_a_hashtag_stops_at_the_first_character_that_is_no_ascii_letter():
    assert hashtags("#fx2 #lay_out #Éclairage #compé") == ["fx", "lay", "comp"]


def test_text_without_a_hash_has_no_hashtag():
    assert hashtags("plain note") == []


# --- hard line breaks ------------------------------------------------------------------------
# What Kitsu shows of them is tested with Kitsu's own renderer: tests/test_note_rendering.py.


@pytest.mark.parametrize(
    ("comment", "posted"),
    [
        ("one\ntwo\nthree", "one  \ntwo  \nthree"),
        ("one\n\ntwo", "one\n\ntwo"),
        ("one \ntwo", "one  \ntwo"),
        ("one\r\ntwo\rthree", "one  \ntwo  \nthree"),
        ("one  \ntwo", "one  \ntwo"),
        ("one\\\ntwo", "one\\\ntwo"),
        ("one\n   \ntwo", "one\n   \ntwo"),
        ("single line", "single line"),
        ("", ""),
        ("last\n", "last\n"),
    ],
)
def test_a_line_followed_by_a_line_ends_in_a_hard_break(comment, posted):
    assert hard_breaks(comment) == posted


def test_fenced_code_and_its_fences_keep_their_lines_as_they_are():
    comment = "before\n```py\na\nb\n```\nafter\nend"
    assert hard_breaks(comment) == "before  \n```py\na\nb\n```\nafter  \nend"
    tildes = "~~~~\na\n~~~\nb\n~~~~\nc\nd"  # closed by four tildes or more, not three
    assert hard_breaks(tildes) == "~~~~\na\n~~~\nb\n~~~~\nc  \nd"


def test_a_backtick_fence_whose_info_has_a_backtick_is_text():
    assert hard_breaks("```a`b\nc") == "```a`b  \nc"


def test_a_line_break_inside_a_code_span_stays_a_space():
    assert hard_breaks("a `code\nspan` b\nc") == "a `code\nspan` b  \nc"
    assert hard_breaks("a ``x ` \ny`` b\nc") == "a ``x ` \ny`` b  \nc"


def test_an_unclosed_or_escaped_backtick_opens_no_code_span():
    assert hard_breaks("a ` b\nc") == "a ` b  \nc"
    assert hard_breaks("a \\`b\nc` d\ne") == "a \\`b  \nc` d  \ne"
    assert hard_breaks("a `b\n\nc` d\ne") == "a `b\n\nc` d  \ne"  # not across paragraphs
