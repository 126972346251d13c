"""What a note carries besides its text and status: a checklist, links, mentions and
attached files.

Pure: reads the settings' lists and plain instance data; imports neither pyblish nor
gazu. The checklist and the links ride on the comment POST (Zou's comment route takes
``checklist: [{"text", "checked"}]`` and ``links: [str]``); mentions are ``@Name``
words at the end of the note's text, which Zou turns into notifications of a
department or of a team member of the task's project. Attached files (an instance's
``kitsuAttachments`` and its representations tagged ``kitsuattachment``, the review
media a project of one preview per revision does not take as previews with
``[IntegrateKitsuReview] extra_media = "attach"``, and with ``attach_report`` a short
report of the publish) go onto the posted comment with one more request per note
(:mod:`kitsu_publish.kitsu.attachments`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from . import review, text
from .errors import TemplateError, shorten

__all__ = [
    "ATTACHMENTS",
    "ATTACHMENT_TAG",
    "CHECKLIST",
    "LINKS",
    "MAX_LINK_CHARS",
    "REPORT_NAME",
    "Attachment",
    "CheckItem",
    "attachments_of",
    "check_attachment",
    "checklist_of",
    "file_names",
    "gather",
    "links_of",
    "mention_line",
    "report_text",
    "unknown_mentions",
]

#: The instance data keys read.
CHECKLIST = "kitsuChecklist"
LINKS = "kitsuLinks"
ATTACHMENTS = "kitsuAttachments"
ATTACHMENT_TAG = "kitsuattachment"
#: The file name of the publish report (``attach_report``).
REPORT_NAME = "publish-report.txt"
#: A link longer than this is refused (a URL, not a document).
MAX_LINK_CHARS = 2000


@dataclass(frozen=True)
class CheckItem:
    """One checklist item of a note."""

    text: str
    checked: bool = False

    def as_data(self) -> dict[str, Any]:
        """As Zou's comment route takes it (and ``kitsuNotes`` records it)."""
        return {"text": self.text, "checked": self.checked}


def _item(value: Any, where: str) -> CheckItem:
    item_text: Any
    if isinstance(value, str):
        item_text, checked = value, False
    elif isinstance(value, Mapping):
        extra = sorted(str(k) for k in value if k not in ("text", "checked"))
        if extra:
            raise TemplateError(
                f"{where} has unknown keys {', '.join(extra)}: an item is a string or "
                "{'text': str, 'checked': bool}"
            )
        item_text, checked = value.get("text"), value.get("checked", False)
        if not isinstance(checked, bool):
            raise TemplateError(
                f"{where}: 'checked' must be true or false, found "
                f"{type(checked).__name__} {shorten(checked)}"
            )
    else:
        raise TemplateError(
            f"{where} must be a string or {{'text': str, 'checked': bool}}, found "
            f"{type(value).__name__} {shorten(value)}"
        )
    if not isinstance(item_text, str) or not item_text.strip():
        raise TemplateError(f"{where} has no text (a non-blank string)")
    item_text = item_text.strip()
    text.check_text(item_text, "checklist item", where)
    return CheckItem(item_text, checked)


def checklist_of(
    settings_items: Sequence[str], members_data: Iterable[tuple[str, Mapping[str, Any]]]
) -> tuple[CheckItem, ...]:
    """The note's checklist: the settings' items (unchecked), then each instance's
    ``kitsuChecklist`` items, in publish order. The same text twice is one item, checked
    when any of them is. Raises :class:`TemplateError` naming the bad item."""
    found: dict[str, bool] = {}
    for index, entry in enumerate(settings_items):
        item = _item(entry, f"checklist[{index}] of the settings")
        found[item.text] = found.get(item.text, False) or item.checked
    for name, data in members_data:
        value = data.get(CHECKLIST)
        if value is None:
            continue
        if not isinstance(value, (list, tuple)):
            raise TemplateError(
                f"instance '{name}': {CHECKLIST} must be a list of strings or "
                f"{{'text', 'checked'}} tables, found {type(value).__name__} {shorten(value)}"
            )
        for index, entry in enumerate(value):
            item = _item(entry, f"instance '{name}': {CHECKLIST}[{index}]")
            found[item.text] = found.get(item.text, False) or item.checked
    return tuple(CheckItem(t, c) for t, c in found.items())


def _link(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TemplateError(
            f"{where} must be a URL (text), found {type(value).__name__} {shorten(value)}"
        )
    url = value.strip()
    if len(url) > MAX_LINK_CHARS:
        raise TemplateError(f"{where} is longer than {MAX_LINK_CHARS} characters")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise TemplateError(f"{where} {shorten(url)} contains spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise TemplateError(f"{where} {shorten(url)} is not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise TemplateError(
            f"{where} {shorten(url)} is not an http or https URL with a host "
            "(https://farm.example.com/job/42)"
        )
    return url


def links_of(members_data: Iterable[tuple[str, Mapping[str, Any]]]) -> tuple[str, ...]:
    """The note's links: each instance's ``kitsuLinks``, in publish order, each once.
    Only http and https URLs with a host; raises :class:`TemplateError` naming the bad
    one."""
    found: dict[str, None] = {}
    for name, data in members_data:
        value = data.get(LINKS)
        if value is None:
            continue
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise TemplateError(
                f"instance '{name}': {LINKS} must be a list of URLs, found "
                f"{type(value).__name__} {shorten(value)}"
            )
        for index, entry in enumerate(value):
            found[_link(entry, f"instance '{name}': {LINKS}[{index}]")] = None
    return tuple(found)


def mention_line(names: Sequence[str]) -> str:
    """The words that make Zou notify: ``@Lighting @Jane Doe``. Zou matches ``@`` and a
    name followed by a space or the end of the text, so the line ends the note."""
    return " ".join(f"@{name}" for name in dict.fromkeys(names))


def gather(
    settings: Any,
    label: str,
    members: Sequence[Any],
    user: str,
    media: review.Split | None = None,
) -> dict[str, Any]:
    """The :class:`~kitsu_publish.plan.NotePlan` fields of a note's extras, from its
    settings (a :class:`Settings`), its members' data and its review media (those
    ``attached`` go with its files); TemplateError when bad."""
    data = [(m.name, m.data) for m in members]
    media = media or review.Split()
    instead = tuple(Attachment(m.path, m.instance, m.source) for m in media.attached)
    attachments = _unique((*attachments_of(data), *instead))
    report = report_text(label, members, attachments, user) if settings.attach_report else ""
    return {
        "checklist": checklist_of(settings.checklist, data),
        "links": links_of(data),
        "mentions": tuple(dict.fromkeys(settings.mentions)),
        "attachments": attachments,
        "report": report,
        "media_attached": instead,
        "media_reason": media.reason,
    }


def unknown_mentions(names: Sequence[str], known: Mapping[str, str]) -> list[str]:
    """Why each name mentions nobody: ``known`` maps the names Kitsu turns into
    mentions on the task (departments, the project's team members) to what they are.
    Zou matches names exactly (case included); a name that differs only in case is
    told its spelling."""
    by_lower = {name.lower(): name for name in known}
    problems = []
    for name in names:
        if name in known:
            continue
        spelled = by_lower.get(name.lower())
        if spelled is not None:
            problems.append(
                f"'{name}' is spelled '{spelled}' in Kitsu ({known[spelled]}), and Kitsu "
                "matches mentions exactly"
            )
        else:
            problems.append(f"'{name}' is no department and no team member of the project")
    return problems


@dataclass(frozen=True)
class Attachment:
    """One file to attach to a note: its path, whose it is and where it was listed."""

    path: str
    instance: str
    source: str  # "kitsuAttachments[0]", "representation 'pdf'"


def _representation_path(representation: Mapping[str, Any]) -> str:
    path = representation.get("published_path") or ""
    if path:
        return str(path)
    staging, files = representation.get("stagingDir") or "", representation.get("files")
    if isinstance(files, (list, tuple)) and files and isinstance(files[0], str):
        files = sorted(files)[0]
    return os.path.join(str(staging), files) if staging and isinstance(files, str) else ""


def attachments_of(
    members_data: Iterable[tuple[str, Mapping[str, Any]]],
) -> tuple[Attachment, ...]:
    """The files a note attaches: each instance's representations tagged
    ``kitsuattachment``, then its ``kitsuAttachments`` paths; each file once."""
    found: list[Attachment] = []
    for name, data in members_data:
        listed: list[Attachment] = []
        for representation in data.get("representations") or ():
            if isinstance(representation, Mapping) and ATTACHMENT_TAG in (
                representation.get("tags") or ()
            ):
                label = representation.get("name") or representation.get("ext") or "?"
                path = _representation_path(representation)
                listed.append(Attachment(path, name, f"representation '{label}'"))
        paths = data.get(ATTACHMENTS)
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        if paths is not None and not isinstance(paths, (list, tuple)):
            raise TemplateError(
                f"instance '{name}': {ATTACHMENTS} must be a list of file paths, found "
                f"{type(paths).__name__} {shorten(paths)}"
            )
        for index, path in enumerate(paths or ()):
            if not isinstance(path, (str, os.PathLike)):
                raise TemplateError(
                    f"instance '{name}': {ATTACHMENTS}[{index}] must be a file path, found "
                    f"{type(path).__name__} {shorten(path)}"
                )
            listed.append(Attachment(os.fspath(path), name, f"{ATTACHMENTS}[{index}]"))
        found.extend(listed)
    return _unique(found)


def _unique(items: Iterable[Attachment]) -> tuple[Attachment, ...]:
    """Each file once (the first listing of it), in order."""
    found: dict[str, Attachment] = {}
    for item in items:
        key = os.path.normpath(item.path) if item.path else f"{item.instance}#{item.source}"
        found.setdefault(key, item)
    return tuple(found.values())


def file_names(attachments: Sequence[Attachment], report: str) -> list[str]:
    """The names of the files a note attaches, its publish report (if any) last."""
    return [os.path.basename(a.path) for a in attachments] + ([REPORT_NAME] if report else [])


def check_attachment(item: Attachment, limit: int) -> str | None:
    """None when Kitsu can take the file, else what is wrong, for the artist."""
    where = f"instance '{item.instance}', {item.source}"
    path = item.path
    problem = review.unreadable(path, "the attachment", where)
    if problem is not None:
        return problem
    size = os.path.getsize(path)
    if size > limit:
        return (
            f"{where}: the attachment {path} is {size / 1024**2:.0f} MiB, over Kitsu's "
            f"limit of {limit // 1024**2} MiB"
        )
    return None


def report_text(
    label: str, members: Sequence[Any], attachments: Sequence[Attachment], user: str = ""
) -> str:
    """The short publish report attached with ``attach_report``: the task, who
    published, each product with its type, version and files, and the attachments."""
    lines = [f"Publish report: {label}"]
    if user:
        lines.append(f"Published by: {user}")
    lines.append("")
    for member in members:
        version = f"v{member.version:03d}" if member.version is not None else "no version"
        lines.append(f"{member.name} ({member.product_type or 'no product type'}), {version}")
        for representation in member.data.get("representations") or ():
            if isinstance(representation, Mapping):
                path = _representation_path(representation)
                if path:
                    lines.append(f"  {representation.get('name') or '?'}: {path}")
    if attachments:
        lines.append("")
        lines.append("Attached: " + ", ".join(os.path.basename(a.path) for a in attachments))
    return "\n".join(lines) + "\n"
