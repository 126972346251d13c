"""The rules of the house (docs/architecture.md), read from the source itself.

- gazu (and requests, the HTTP client) only inside the ``kitsu`` package: one door;
- the pure modules import neither pyblish nor gazu, at any depth of their own imports;
- the I/O layer imports no planning module;
- every module says its one job in a docstring, and stays small.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kitsu_publish"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: The pure core: tested without a server, no pyblish, no gazu.
PURE = (
    "model",
    "parallel",
    "rules",
    "profiles",
    "plan",
    "text",
    "extras",
    "review",
    "shots",
    "state",
    "errors",
    "settings",
    "template",
    "kitsu.permissions",
    "kitsu.records",
    "kitsu.protocol",
    "kitsu.redact",
)
#: The planning layer, which the Kitsu package must not import.
PLANNING = ("plan", "rules", "profiles", "shots", "template", "flow", "cli", "state")
#: Modules of more than this many lines must be argued for in docs/architecture.md.
MAX_LINES = 400
ARGUED: set[str] = set()


def name_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module this file imports (absolute names), at any place in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (
        name_of(path).split(".") if path.name == "__init__.py" else name_of(path).split(".")[:-1]
    )
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                module = ".".join(
                    ["kitsu_publish", *base, *([node.module] if node.module else [])]
                )
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module or "")
    return found


def ours(imported: set[str]) -> set[str]:
    return {i[len("kitsu_publish.") :] for i in imported if i.startswith("kitsu_publish.")}


def under(name: str, roots: tuple[str, ...]) -> bool:
    return any(name == r or name.startswith(r + ".") for r in roots)


def test_the_tree_is_what_the_rules_speak_of():
    names = {name_of(p) for p in MODULES}
    assert {"kitsu", "kitsu.session", "flow", "plan", "model", "state"} <= names
    assert all(under(p, tuple(names)) for p in PURE)


@pytest.mark.parametrize("path", MODULES, ids=name_of)
def test_gazu_and_http_only_inside_the_kitsu_package(path):
    external = {i.split(".")[0] for i in imports_of(path)}
    if not under(name_of(path), ("kitsu",)):
        assert not external & {"gazu", "requests", "urllib3"}, name_of(path)


@pytest.mark.parametrize("path", [p for p in MODULES if under(name_of(p), PURE)], ids=name_of)
def test_the_pure_modules_import_neither_pyblish_nor_gazu(path):
    seen, todo = set(), [name_of(path)]
    while todo:  # the module and everything of ours it imports, transitively
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        file = PACKAGE.joinpath(*name.split(".")) if name else PACKAGE
        file = file / "__init__.py" if file.is_dir() else file.with_suffix(".py")
        if not file.exists():
            continue  # a name imported from a module, not a module
        external = {i.split(".")[0] for i in imports_of(file)}
        assert not external & {"pyblish", "gazu", "requests"}, f"{name_of(path)} via {name}"
        todo.extend(ours(imports_of(file)))


@pytest.mark.parametrize(
    "path", [p for p in MODULES if under(name_of(p), ("kitsu",))], ids=name_of
)
def test_the_kitsu_package_imports_no_planning_module(path):
    assert not {i for i in ours(imports_of(path)) if under(i, PLANNING)}, name_of(path)


@pytest.mark.parametrize("path", MODULES, ids=name_of)
def test_every_module_says_its_job_and_stays_small(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if name_of(path) != "cli.__main__":
        assert ast.get_docstring(tree), f"{name_of(path)} has no docstring"
    lines = len(path.read_text(encoding="utf-8").splitlines())
    if name_of(path) not in ARGUED:
        assert lines <= MAX_LINES, f"{name_of(path)}: {lines} lines"
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            assert size <= 250, f"{name_of(path)}.{node.name}: {size} lines"


def test_every_test_module_has_a_basename_of_its_own():
    # pytest imports test modules by basename (rootdir, no packages): two files named
    # alike stop the whole run at collection
    tests = Path(__file__).resolve().parent
    names: dict[str, list[str]] = {}
    for file in tests.rglob("test_*.py"):
        names.setdefault(file.name, []).append(str(file.relative_to(tests)))
    assert not {n: p for n, p in names.items() if len(p) > 1}


def test_no_plugin_process_method_is_annotated():
    # pyblish-base 1.8.1 (the oldest we support) reads process() with
    # inspect.getargspec, which refuses annotations: such a plugin fails on import
    root = Path(__file__).resolve().parents[1]
    found = []
    for file in [*root.joinpath("tests").rglob("*.py"), *root.joinpath("plugins").glob("*.py")]:
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in ("process", "repair"):
                args = node.args
                if node.returns or any(a.annotation for a in [*args.args, *args.kwonlyargs]):
                    found.append(f"{file.relative_to(root)}:{node.lineno}")
    assert not found
