"""What pyproject.toml declares is what CI tests and what the README and CHANGELOG say.

CI (``.ci/run``) runs the suite with the newest dependencies on every Python in
tools/lib.sh, and with tools/constraints-oldest.txt on the oldest and newest Python.
These tests keep those files, pyproject.toml and the README's Install table in step.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.version import Version

import kitsu_publish

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def floors() -> dict[tuple[str, str], Version]:
    """(name, marker) -> the lowest version pyproject.toml allows."""
    found = {}
    for line in pyproject()["project"]["dependencies"]:
        req = Requirement(line)
        lows = [Version(s.version) for s in req.specifier if s.operator == ">="]
        assert len(lows) == 1, f"{line!r}: every dependency needs exactly one '>=' floor"
        found[(req.name, str(req.marker or ""))] = lows[0]
    return found


def supported_pythons() -> list[str]:
    text = (ROOT / "tools" / "lib.sh").read_text(encoding="utf-8")
    match = re.search(r'^SUPPORTED_PYTHONS="([^"]+)"', text, re.M)
    assert match, "tools/lib.sh: SUPPORTED_PYTHONS not found"
    return match.group(1).split()


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def readme_table(title: str) -> dict[str, list[str]]:
    """The rows of the markdown table in a README section: first word -> the other cells."""
    rows = {}
    for line in readme_section(title).splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] and not set(cells[0]) <= set("-: "):
            rows[cells[0].split()[0]] = cells[1:]
    return rows


def written_version() -> str:
    """The version as written in the source: the file pyproject.toml's hatch reads."""
    project = pyproject()
    assert project["project"]["dynamic"] == ["version"]
    source = (ROOT / project["tool"]["hatch"]["version"]["path"]).read_text(encoding="utf-8")
    found = re.findall(r'^__version__ = "([^"]+)"$', source, re.M)
    assert len(found) == 1, found
    return found[0]


def test_version_is_written_once_in_the_package_and_is_semver():
    version = written_version()

    assert kitsu_publish.__version__ == version
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?", version), version


def test_changelog_has_an_entry_for_the_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    version = written_version()

    assert re.search(rf"^## \[{re.escape(version)}\]", changelog, re.M), (
        f"CHANGELOG.md has no '## [{version}]' entry"
    )


def test_oldest_constraints_pin_exactly_the_declared_floors():
    pins = {}
    for line in (ROOT / "tools" / "constraints-oldest.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[(req.name, str(req.marker or ""))] = Version(spec.version)

    assert pins == floors()


def test_python_versions_agree_across_pyproject_ci_and_readme():
    pythons = supported_pythons()
    project = pyproject()["project"]
    classified = [
        c.rsplit(":: ", 1)[1]
        for c in project["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    ]

    assert classified == pythons
    assert project["requires-python"] == f">={pythons[0]}"
    assert readme_table("Install")["Python"][:2] == [pythons[0], pythons[-1]]


def test_readme_install_table_states_the_tested_floors():
    table = readme_table("Install")
    for (name, marker), version in floors().items():
        assert name in table, f"README Install table has no row for {name}"
        oldest = table[name][0]
        assert str(version) in re.findall(r"\d+(?:\.\d+)+", oldest), (
            f"README says {name} {oldest!r}; pyproject.toml's floor is {version} ({marker})"
        )
