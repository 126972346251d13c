"""``check --online``'s account lines: role, posting in someone's name, token expiry."""

from __future__ import annotations

import base64
import json

from kitsu_publish.cli import account


def jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_a_manager_bot_may_post_in_someone_s_name():
    bot = {"full_name": "Farm Bot", "role": "manager", "is_bot": True}
    lines = account.describe(bot, {"KITSU_TOKEN": jwt({"sub": "x", "identity_type": "bot"})})
    assert lines[0] == "  account: Farm Bot, a bot, Production Manager"
    assert lines[1].startswith("  posts in someone's name: yes")
    assert lines[2] == (
        "  token expires: never, as far as Kitsu says (no expiration date, no expiry in the token)"
    )


def test_an_artist_bot_names_the_artist_instead():
    bot = {"full_name": "Render Bot", "role": "user", "is_bot": True}
    lines = account.describe(bot, {})
    assert lines[0] == "  account: Render Bot, a bot, Artist"
    assert "its text names the artist" in lines[1]


def test_the_expiry_comes_from_kitsu_s_date_else_the_token():
    assert account.token_expiry({"expiration_date": "2027-01-31"}, "") == (
        "2027-01-31 (the bot's expiration date in Kitsu)"
    )
    token = jwt({"exp": 1801353600})
    assert account.token_expiry({}, token) == "2027-01-31 00:00 UTC (the token's own expiry)"
    for broken in ("not-a-jwt", "a.b.c", "a.!!!.c", jwt({"exp": True}), jwt({"exp": "soon"})):
        assert account.token_expiry({}, broken).startswith("never")


def test_a_person_logged_in_with_a_password_gets_no_token_line():
    person = {"email": "ana@studio", "role": "user", "is_bot": False}
    lines = account.describe(person, {})
    assert lines[0] == "  account: ana@studio, a person, Artist"
    assert len(lines) == 2


def test_the_token_itself_is_never_printed():
    token = jwt({"exp": 1801353600, "sub": "S3cret-subject"})
    printed = "\n".join(
        account.describe({"role": "manager", "is_bot": True}, {"KITSU_TOKEN": token})
    )
    assert token not in printed and "S3cret" not in printed
