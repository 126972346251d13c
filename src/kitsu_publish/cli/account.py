"""``check --online``: who the logged-in account is, as a farm machine's TD needs to know.

Its name and role, whether it is a bot, whether Kitsu keeps the author it names (a
farm job posting in an artist's name, see docs/farm.md), and when its token expires
when Kitsu says so: the bot's ``expiration_date``, else the token's ``exp`` claim. The
token itself is never printed: only its claims are read, without verifying them.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
from collections.abc import Mapping
from typing import Any

from ..kitsu import permissions

__all__ = ["describe", "token_expiry"]

_ENV_TOKEN = "KITSU_TOKEN"


def describe(person: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> list[str]:
    """The lines ``check --online`` prints about the account."""
    env = os.environ if environ is None else environ
    role = str(person.get("role") or "user")
    name = str(person.get("full_name") or person.get("email") or "?")
    kind = "a bot" if person.get("is_bot") else "a person"
    lines = [f"  account: {name}, {kind}, {permissions.ROLE_NAMES.get(role, role)}"]
    if role in permissions.MANAGER_ROLES:
        lines.append(
            "  posts in someone's name: yes (Kitsu keeps the author a manager names), "
            "except on projects whose team gives it another role"
        )
    else:
        lines.append(
            "  posts in someone's name: only on projects whose team makes it a Production "
            "Manager; elsewhere a farm job's note is posted as this account and its text "
            "names the artist"
        )
    token = env.get(_ENV_TOKEN, "").strip()
    if person.get("is_bot") or token:
        lines.append(f"  token expires: {token_expiry(person, token)}")
    return lines


def token_expiry(person: Mapping[str, Any], token: str) -> str:
    """When the account's token stops working, in words, as far as Kitsu says."""
    date = person.get("expiration_date")
    if date:
        return f"{date} (the bot's expiration date in Kitsu)"
    claims = _claims(token)
    exp = claims.get("exp") if claims else None
    if isinstance(exp, (int, float)) and not isinstance(exp, bool):
        when = datetime.datetime.fromtimestamp(exp, tz=datetime.timezone.utc)
        return f"{when:%Y-%m-%d %H:%M} UTC (the token's own expiry)"
    return "never, as far as Kitsu says (no expiration date, no expiry in the token)"


def _claims(token: str) -> dict[str, Any] | None:
    """A JWT's payload, decoded, unverified; None when it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        found = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return None
    return found if isinstance(found, dict) else None
