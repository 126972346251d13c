"""The documentation: the generated settings reference, the site's pages, the README's
settings example (the demo's), and the command examples of the pages, run for real.

The site itself is built by tools/docs.sh (`mkdocs build --strict`, in .ci/run).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import demo  # tools/demo.py: tools/ is on sys.path (tests/conftest.py)
import pytest
import settings_reference  # tools/settings_reference.py

from kitsu_publish import rules, settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


# --- the settings reference ---------------------------------------------------------------


def sections(page: str) -> dict[str, str]:
    """Heading text -> the section's text, for every heading of a markdown page."""
    parts = re.split(r"^(#+ .*)$", page, flags=re.M)
    return {parts[i].lstrip("#").strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def key_rows(table: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(section heading, key) of every key of the definitions, tables and lists too."""
    found = []
    heading = f"`[{prefix}]`" if prefix else None
    for key in table.keys:
        if type(key).__name__ == "Ignored":  # accepted in an export, never read
            continue
        path = f"{prefix}.{key.name}" if prefix else key.name
        if heading is None:
            found.append((f"`{key.name}`" if not hasattr(key, "keys") else f"`[{path}]`", ""))
        else:
            found.append((heading, key.name))
        if hasattr(key, "keys"):
            found += key_rows(key, path)
        if hasattr(key, "value_keys"):
            found += [(f"`{path}[]`", name) for name in ("condition", *key.value_keys)]
    return found


def test_the_settings_reference_has_every_key_of_every_table():
    page = settings_reference.render(settings.json_schema())
    by_heading = sections(page)
    rows = key_rows(settings.SETTINGS_FILE)
    assert len(rows) >= 30
    for heading, key in rows:
        assert heading in by_heading, f"no section {heading}"
        if key:
            assert f"| `{key}` |" in by_heading[heading], f"{key} not in section {heading}"
    exports = by_heading["AYON/OpenPype exports"]
    own = {(h, k) for h, k in rows}
    for heading, key in key_rows(settings.EXPORT_NOTE_TABLE, "IntegrateKitsuNote"):
        if (heading, key) in own or not key:
            continue
        if heading.endswith("[]`"):  # the items of a list read in exports only
            assert f"| `{key}` |" in by_heading[heading], f"{key} not in section {heading}"
            continue
        table = heading.strip("`[]").split(".", 1)
        dotted = f"{table[1]}.{key}" if len(table) > 1 else key
        assert f"`{dotted}`" in exports, f"export key {dotted} missing"
    assert "`custom_comment_template.syntax` | not allowed" in exports
    assert "`{comment}`" in by_heading["AYON/OpenPype exports"].replace('"', "`")


def test_the_settings_reference_page_in_docs_is_the_generated_one():
    assert settings_reference.main(["--check"]) == 0, (
        "docs/settings-reference.md is out of date: python tools/settings_reference.py --write"
    )


def test_the_reference_is_generated_from_the_shipped_schema_file():
    shipped = json.loads(settings_reference.SCHEMA.read_text(encoding="utf-8"))
    assert shipped == settings.json_schema()


# --- the site -----------------------------------------------------------------------------

NAV = re.findall(
    r"^\s*- (?:[^:\n]+: )?([\w./-]+\.md)\s*$", (ROOT / "mkdocs.yml").read_text(), re.M
)


def test_every_nav_page_exists_and_the_site_has_its_pages():
    assert NAV[0] == "index.md"
    for page in NAV:
        assert (DOCS / page).is_file(), page
    for page in (
        "quickstart.md",
        "hosts.md",
        "headless.md",
        "data-contract.md",
        "settings.md",
        "settings-reference.md",
        "semantics.md",
        "migrating.md",
        "troubleshooting.md",
        "cli.md",
    ):
        assert page in NAV, page


LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>]+)>")


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")))
def test_the_docs_link_to_nothing_outside_the_repository(page):
    text = (DOCS / page).read_text(encoding="utf-8")
    for match in LINK.finditer(text):
        target = match.group(1) or match.group(2)
        assert not re.match(r"[a-z]+:", target), f"{page}: links outside: {target}"
        assert not target.startswith("/"), f"{page}: absolute link {target}"
        # the pages are also a site of docs/ only: ../README.md would be a dead link there
        assert not target.startswith("../"), f"{page}: links outside docs/: {target}"
    assert "../shared" not in text and "shared/" not in text


def test_the_site_needs_nothing_from_outside():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "font: false" in config  # no web fonts fetched
    assert "--strict" in (ROOT / "tools" / "docs.sh").read_text(encoding="utf-8")


# --- the README's settings example is the demo's -------------------------------------------


def test_the_demo_publishes_with_the_readme_settings_example(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("\n## Settings\n", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    assert demo.readme_settings() == block
    path = tmp_path / "kitsu.toml"
    path.write_text(block, encoding="utf-8")
    loaded = settings.load_file(path)
    # the demo's three products on a freshly created task: the status changes
    change = rules.decide(loaded, "todo", ["animation", "review", "workfile"])
    assert (change.change, change.status_after) == (True, "wfa")
    assert not rules.decide(loaded, "todo", ["workfile"]).change
    assert not rules.decide(loaded, "done", ["animation"]).change


# --- command examples in the pages, run for real ------------------------------------------

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)


def console_examples(page: Path) -> list[tuple[str, list[str], str, dict[str, str]]]:
    """(where, argv, expected output, files) of every `$ kitsu-publish check|render ...`
    in a page's console blocks that needs no server: its files are the `$ cat FILE`
    blocks before it, the settings block just before it, or the README's example as
    studio.toml."""
    readme_example = demo.readme_settings()
    files: dict[str, str] = {"studio.toml": readme_example}
    last_settings: tuple[str, str] | None = None
    found = []
    text = page.read_text(encoding="utf-8")
    for fence in FENCE.finditer(text):
        kind, body = fence.groups()
        if kind in ("toml", "json"):
            last_settings = (f".{kind}", body)
            continue
        if kind or not body.startswith("$ "):
            continue
        line_no = text.count("\n", 0, fence.start()) + 2
        for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            argv = command.split()
            if argv[0] == "cat":
                files[argv[1]] = output
                continue
            if argv[0] != "kitsu-publish" or argv[1] not in ("check", "render"):
                continue
            if "--online" in argv:
                continue
            named = [a for a in argv[2:] if re.search(r"\.(toml|json)$", a)]
            for name in named:
                if name not in files and last_settings and name.endswith(last_settings[0]):
                    files[name] = last_settings[1]
            if all(name in files for name in named):
                found.append((f"{page.name}:{line_no}", argv[1:], output, dict(files)))
    return found


EXAMPLES = [
    example
    for page in ("quickstart.md", "cli.md", "migrating.md")
    for example in console_examples(DOCS / page)
]


def test_the_pages_have_command_examples_to_run():
    assert len(EXAMPLES) >= 5
    assert {where.split(":")[0] for where, *_ in EXAMPLES} == {
        "quickstart.md",
        "cli.md",
        "migrating.md",
    }


@pytest.mark.parametrize(("where", "argv", "expected", "files"), EXAMPLES, ids=lambda v: str(v))
def test_the_command_examples_print_what_the_pages_say(tmp_path, where, argv, expected, files):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "kitsu_publish.cli", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    printed = (done.stdout + done.stderr).splitlines()
    wanted = expected.rstrip("\n").splitlines()
    if any(line.strip() == "..." for line in wanted):
        cut = next(i for i, line in enumerate(wanted) if line.strip() == "...")
        wanted, printed = wanted[:cut], printed[:cut]
    assert printed == wanted, f"{where}: kitsu-publish {' '.join(argv)}"


def test_the_troubleshooting_page_names_every_error_class():
    """Every error an artist or TD can get is on the troubleshooting page, with its section."""
    import inspect

    from kitsu_publish import errors

    classes = {
        name
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.KitsuPublishError)
    }
    page = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    table = page.split("## Which error is which", 1)[1]
    listed = set(re.findall(r"^\| `(\w+)` \|", table, flags=re.M))
    assert listed == classes
    headings = {
        h.lower().replace("'", "").replace(" ", "-")
        for h in re.findall(r"^## (.+)$", page, flags=re.M)
    }
    for anchor in re.findall(r"\]\(#([\w-]+)\)", table):
        assert anchor in headings, anchor
