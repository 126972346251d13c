"""Mutation testing: how many small changes to a module do the tests notice?

Usage::

    python tools/mutate.py src/kitsu_publish/rules.py --tests tests/unit/test_rules.py
    python tools/mutate.py src/kitsu_publish/template --tests tests/unit --sample 150 --seed 1
    python tools/mutate.py src/kitsu_publish/plan.py --list      # the mutants, nothing run

Each MODULE argument is a ``.py`` file or a directory (every ``.py`` file under it).
For each mutant the script runs ``pytest -x -q -p no:cacheprovider TESTS...`` in a
subprocess, from the current directory, against a copy of the module's package in a
temporary directory (one copy per job) put first on ``PYTHONPATH``; the working tree is
never written. It prints every surviving mutant (``file:line``, the original line, the
mutated line), then one closing line per module and one overall::

    mutation score src/kitsu_publish/rules.py: 45/48 killed (93.8%)

A mutant is killed when the tests fail (any non-zero exit) or time out twice:
``--timeout`` seconds (default: 5 times the unmutated run, at least 10 s), then three
times that (a busy machine is no infinite loop). A mutant that does not compile is left
out. ``--sample N`` runs N mutants drawn at random (``--seed``, default 0) from all the
modules' mutants together; ``--jobs`` runs that many pytest processes at once (default:
the CPU count, at most 8). Before any mutant, sanity runs: ``import <module>`` must find
the copy, the unmutated copy must pass, and, per module, a copy whose first line raises
must fail (so the tests import the module at all); the script stops with exit status 2
otherwise. Not part of CI: a module of 100-250 mutants takes 10-30 minutes against
tests/unit on two CPUs; a single test file is much faster.

Mutations (stdlib ``ast``; each mutant is one change, spliced into the original source
so the printed lines are the file's own):

- comparisons: ``==``/``!=``, ``<``->``<=``, ``<=``->``<``, ``>``->``>=``, ``>=``->``>``,
  ``in``/``not in``, ``is``/``is not``;
- ``and``/``or``; ``+``/``-``, ``*``/``/``, ``//``->``/``, ``%``->``//``, ``**``->``*``,
  ``|``/``&`` (also in ``+=`` and the like); unary ``-x``->``x``;
- ``not x``->``x``; the test of an ``if``, ``while``, conditional expression or
  comprehension filter negated;
- constants: a number ``n``->``n + 1`` and ``n - 1``; a string->``"XX"`` (``"XX"``->``""``);
  ``True``/``False`` flipped;
- ``return X``->``return None``; a statement replaced by ``pass`` (but for a function's
  closing ``return None``); ``break``/``continue``;
- a slice bound that is not a constant: ``x``->``x + 1``.

Not mutated (noise, or not run-time code): docstrings; ``__all__``; ``import`` and
``from __future__``; type annotations (of arguments, returns and annotated
assignments); ``if TYPE_CHECKING:`` blocks; the literal text of f-strings (their
``{expressions}`` are mutated) and their format specs; string constants passed to
logging or warning calls (``warn``, ``warning``, ``info``, ``debug``, ``error``,
``exception``, ``critical``, ``log``, ``print``) or to an exception raised in a
``raise`` statement (messages: tests assert an error's fields, not its wording); the
``None`` constant (``return X`` -> ``return None`` and ``is``/``is not`` cover it);
``def``/``class`` statements as a whole (their bodies are mutated); any line carrying
``# pragma: no mutate``.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NoReturn

NO_MUTATE = "pragma: no mutate"
MESSAGE_CALLS = frozenset(
    {"warn", "warning", "info", "debug", "error", "exception", "critical", "log", "print"}
)
COMPARE_SWAPS = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.BitXor: ast.BitOr,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
}
SYMBOLS = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
    ast.Mod: "%", ast.Pow: "**", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^",
    ast.LShift: "<<", ast.RShift: ">>", ast.And: "and", ast.Or: "or",
}  # fmt: skip


# --- finding mutants -------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One change: the ``index``-th node of ``ast.walk`` order, changed by ``how``."""

    module: str  # the path as given (relative to the current directory)
    index: int
    how: str  # a key of MUTATORS, plus an argument after ":" where needed
    line: int
    description: str


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def _call_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _skipped_nodes(tree: ast.Module, lines: list[str]) -> set[int]:
    """ids of the nodes (with everything under them) that are never mutated."""
    skip: set[int] = set()

    def drop(node: ast.AST | None) -> None:
        if node is not None:
            skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and _is_docstring(body[0])
        ):
            drop(body[0])
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            drop(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            drop(node.returns)
            for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
                drop(arg.annotation)
            for arg in (node.args.vararg, node.args.kwarg):
                if arg is not None:
                    drop(arg.annotation)
        elif isinstance(node, ast.AnnAssign):
            drop(node.annotation)
            if isinstance(node.target, ast.Name) and node.target.id == "__all__":
                drop(node)
        elif isinstance(node, ast.Assign):
            if any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                drop(node)
        elif isinstance(node, ast.If):
            test = node.test
            if _call_name(test) == "TYPE_CHECKING":
                drop(node)
        elif isinstance(node, ast.JoinedStr):
            for value in node.values:
                if isinstance(value, ast.Constant):
                    drop(value)
                elif isinstance(value, ast.FormattedValue):
                    drop(value.format_spec)
        elif isinstance(node, ast.Call):
            message = _call_name(node.func) in MESSAGE_CALLS
            if message:
                for arg in (*node.args, *(k.value for k in node.keywords)):
                    _drop_strings(arg, skip)
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            for arg in (*node.exc.args, *(k.value for k in node.exc.keywords)):
                _drop_strings(arg, skip)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if line is not None and NO_MUTATE in lines[line - 1]:
            drop(node)
    return skip


def _drop_strings(node: ast.expr, skip: set[int]) -> None:
    """The string constants that make up a message (concatenated, %-formatted or not)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        skip.add(id(node))
    elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        _drop_strings(node.left, skip)
        _drop_strings(node.right, skip)


def _returns_none(stmt: ast.stmt) -> bool:
    """``return`` or ``return None`` (removing it as a function's last statement is
    equivalent: the function returns None anyway)."""
    return isinstance(stmt, ast.Return) and (
        stmt.value is None or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
    )


def _statement_lists(node: ast.AST) -> list[list[ast.stmt]]:
    return [
        value
        for _name, value in ast.iter_fields(node)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt)
    ]


def find_mutants(path: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    lines = source.splitlines()
    skip = _skipped_nodes(tree, lines)
    negatable: set[int] = set()
    removable: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            negatable.add(id(node.test))
        elif isinstance(node, ast.comprehension):
            negatable.update(id(test) for test in node.ifs)
        for body in _statement_lists(node):
            for stmt in body:
                if not isinstance(
                    stmt,
                    (
                        ast.Pass,
                        ast.FunctionDef,
                        ast.AsyncFunctionDef,
                        ast.ClassDef,
                        ast.Import,
                        ast.ImportFrom,
                        ast.Global,
                        ast.Nonlocal,
                    ),
                ) and not (
                    isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and stmt is node.body[-1]
                    and _returns_none(stmt)
                ):
                    removable.add(id(stmt))
    found: list[Mutant] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        line = getattr(node, "lineno", 0)

        def add(how: str, description: str, line: int = line, index: int = index) -> None:
            found.append(Mutant(path, index, how, line, description))

        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = COMPARE_SWAPS[type(op)]
                add(f"compare:{i}", f"{SYMBOLS[type(op)]} -> {SYMBOLS[new]}")
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            add("boolop", f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[new]}")
        elif isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOP_SWAPS:
            if not (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
            ):
                new = BINOP_SWAPS[type(node.op)]
                add("binop", f"{SYMBOLS[type(node.op)]} -> {SYMBOLS[new]}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            add("unary", "'not' removed" if isinstance(node.op, ast.Not) else "'-' removed")
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool):
                add("constant:flip", f"{value} -> {not value}")
            elif isinstance(value, (int, float)):
                add("constant:+1", f"{value!r} -> {value + 1!r}")
                add("constant:-1", f"{value!r} -> {value - 1!r}")
            elif isinstance(value, str):
                add("constant:str", f"{value!r} -> {'' if value == 'XX' else 'XX'!r}")
        elif isinstance(node, ast.Return) and not (
            node.value is None
            or (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):
            add("return", "return value -> None")
        elif isinstance(node, (ast.Break, ast.Continue)):
            add(
                "loop", "break -> continue" if isinstance(node, ast.Break) else "continue -> break"
            )
        elif isinstance(node, ast.Slice):
            for bound in ("lower", "upper", "step"):
                value = getattr(node, bound)
                if value is not None and not isinstance(value, ast.Constant):
                    add(f"slice:{bound}", f"slice {bound} bound + 1", value.lineno)
        if id(node) in negatable and not (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            add("negate", "condition negated")
        if id(node) in removable:
            add("remove", "statement -> pass")
    return found


# --- applying one --------------------------------------------------------------------


def _mutate(node: ast.AST, how: str) -> ast.AST:
    """The replacement for ``node`` (a changed copy; ``node`` itself is not changed)."""
    kind, _, arg = how.partition(":")
    new = copy.deepcopy(node)
    if kind == "compare":
        i = int(arg)
        new.ops[i] = COMPARE_SWAPS[type(new.ops[i])]()
    elif kind == "boolop":
        new.op = ast.Or() if isinstance(new.op, ast.And) else ast.And()
    elif kind == "binop":
        new.op = BINOP_SWAPS[type(new.op)]()
    elif kind == "unary":
        return new.operand
    elif kind == "constant":
        value = new.value
        if arg == "flip":
            new.value = not value
        elif arg == "+1":
            new.value = value + 1
        elif arg == "-1":
            new.value = value - 1
        else:
            new.value = "" if value == "XX" else "XX"
        if isinstance(new.value, (int, float)) and new.value < 0:  # as the parser reads it
            return ast.UnaryOp(ast.USub(), ast.Constant(-new.value))
    elif kind == "return":
        new.value = None
    elif kind == "loop":
        return ast.Continue() if isinstance(node, ast.Break) else ast.Break()
    elif kind == "slice":
        bound = getattr(new, arg)
        setattr(new, arg, ast.BinOp(bound, ast.Add(), ast.Constant(1)))
    elif kind == "negate":
        return ast.UnaryOp(ast.Not(), new)
    elif kind == "remove":
        return ast.Pass()
    else:  # pragma: no cover
        raise ValueError(how)
    return new


def _replace_child(parent: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return
        if isinstance(value, list):
            for i, item in enumerate(value):
                if item is old:
                    value[i] = new
                    return
    raise LookupError("node not found in its parent")  # pragma: no cover


def _offsets(source_bytes: bytes) -> list[int]:
    starts = [0]
    for i, byte in enumerate(source_bytes):
        if byte == 0x0A:
            starts.append(i + 1)
    return starts


def apply(source: str, mutant: Mutant) -> tuple[str, str]:
    """The mutated module's source, and the mutated line (for the report).

    The changed node's own text is replaced in the original source (comments and layout
    kept); when that does not give exactly the mutated tree (an f-string's inner
    quotes before Python 3.12, say), the whole mutated tree is unparsed instead.
    """
    tree = ast.parse(source)
    nodes = list(ast.walk(tree))
    target = nodes[mutant.index]
    if mutant.how.startswith("slice:"):
        # the slice bound is what changes: splice just it
        bound_name = mutant.how.partition(":")[2]
        old = getattr(target, bound_name)
        new_node: ast.AST = ast.BinOp(copy.deepcopy(old), ast.Add(), ast.Constant(1))
        setattr(target, bound_name, new_node)
        spliced_node, replacement = old, new_node
    else:
        new_node = _mutate(target, mutant.how)
        parents = {id(child): parent for parent in nodes for child in ast.iter_child_nodes(parent)}
        _replace_child(parents[id(target)], target, new_node)
        spliced_node, replacement = target, new_node
    expected = ast.dump(tree)
    text = ast.unparse(replacement)
    if isinstance(replacement, ast.expr) and not isinstance(
        replacement, (ast.Constant, ast.Name, ast.Attribute, ast.Call, ast.Subscript)
    ):
        text = f"({text})"
    data = source.encode("utf-8")
    starts = _offsets(data)
    start = starts[spliced_node.lineno - 1] + spliced_node.col_offset
    end = starts[spliced_node.end_lineno - 1] + spliced_node.end_col_offset
    candidate = (data[:start] + text.encode("utf-8") + data[end:]).decode("utf-8")
    try:
        same = ast.dump(ast.parse(candidate)) == expected
    except SyntaxError:
        same = False
    if same:
        line_start = starts[spliced_node.lineno - 1]
        line_end = candidate.encode("utf-8").find(b"\n", line_start)
        encoded = candidate.encode("utf-8")
        line = encoded[line_start : None if line_end < 0 else line_end].decode("utf-8")
        return candidate, line.strip()
    return ast.unparse(tree) + "\n", ast.unparse(replacement).splitlines()[0] + "  (unparsed)"


# --- running the tests -----------------------------------------------------------------


def package_root(module: Path) -> Path:
    """The top package directory holding ``module``, or the module itself if none."""
    root = None
    folder = module.parent
    while (folder / "__init__.py").exists():
        root = folder
        folder = folder.parent
    return root if root is not None else module


def dotted_name(module: Path) -> str:
    root = package_root(module)
    if root == module:
        return module.stem
    parts = [root.name, *module.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


class Workspace:
    """A temporary copy of the modules' packages, first on PYTHONPATH of its runs."""

    def __init__(self, roots: list[Path]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mutate-"))
        self.roots = roots
        for root in roots:
            if root.is_dir():
                shutil.copytree(
                    root, self.dir / root.name, ignore=shutil.ignore_patterns("__pycache__")
                )
            else:
                shutil.copy2(root, self.dir / root.name)

    def copy_of(self, module: Path) -> Path:
        root = package_root(module)
        if root == module:
            return self.dir / module.name
        return self.dir / root.name / module.relative_to(root)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        old = env.get("PYTHONPATH")
        env["PYTHONPATH"] = str(self.dir) + (os.pathsep + old if old else "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # a mutant of the same size and mtime
        env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(self.dir / ".hypothesis")
        return env

    def run(self, tests: list[str], timeout: float | None) -> tuple[str, float, str]:
        """("passed" | "failed" | "timeout", seconds, output tail)."""
        command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
        began = time.monotonic()
        process = subprocess.Popen(
            [*command, *tests],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            return "timeout", time.monotonic() - began, ""
        took = time.monotonic() - began
        return ("passed" if process.returncode == 0 else "failed"), took, output[-3000:]

    def with_source(self, module: Path, source: str, job: Callable[[], tuple]) -> tuple:
        path = self.copy_of(module)
        original = path.read_bytes()
        path.write_text(source, encoding="utf-8")
        try:
            return job()
        finally:
            path.write_bytes(original)

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def run_twice(workspace: Workspace, tests: list[str], timeout: float) -> tuple[str, float, str]:
    """A run; one that times out is run again with three times the time (a busy machine
    is no infinite loop)."""
    result = workspace.run(tests, timeout)
    if result[0] == "timeout":
        result = workspace.run(tests, 3 * timeout)
    return result


def stop(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(2)


def expand(paths: list[str]) -> list[Path]:
    modules: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            modules.extend(sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts))
        elif path.suffix == ".py" and path.is_file():
            modules.append(path)
        else:
            stop(f"mutate: {given} is neither a .py file nor a directory")
    return list(dict.fromkeys(modules))


def sanity(workspace: Workspace, modules: list[Path], tests: list[str]) -> float:
    """Check the copies are what the tests run; the unmutated run's duration."""
    for module in modules:
        name = dotted_name(module)
        probe = subprocess.run(
            [sys.executable, "-c", f"import {name} as m; print(m.__file__)"],
            env=workspace.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        found = probe.stdout.strip().splitlines()[-1:] or [""]
        expected = workspace.copy_of(module).resolve()
        if probe.returncode or Path(found[0]).resolve() != expected:
            stop(f"mutate: `import {name}` finds {found[0]!r}, not the copy {expected}")
    state, took, output = workspace.run(tests, None)
    if state != "passed":
        stop(f"mutate: the tests fail without any mutant; fix them first:\n{output}")
    for module in modules:
        source = module.read_text(encoding="utf-8")
        broken = 'raise RuntimeError("mutate.py sanity check")\n' + source
        state, _, _ = workspace.with_source(module, broken, lambda: workspace.run(tests, None))
        if state == "passed":
            stop(
                f"mutate: the tests pass with {module} broken: they do not import it, or "
                "they import another copy than the one on PYTHONPATH"
            )
    return took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="+", metavar="MODULE", help=".py file or directory")
    parser.add_argument("--tests", nargs="+", required=True, metavar="TEST_PATH")
    parser.add_argument("--sample", type=int, help="run this many mutants, drawn at random")
    parser.add_argument("--seed", type=int, default=0, help="for --sample (default 0)")
    parser.add_argument("--jobs", type=int, default=min(8, os.cpu_count() or 1))
    parser.add_argument("--timeout", type=float, help="seconds per mutant run")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    args = parser.parse_args(argv)

    modules = expand(args.modules)
    sources = {m: m.read_text(encoding="utf-8") for m in modules}
    mutants: list[Mutant] = []
    applied: dict[Mutant, tuple[str, str]] = {}
    invalid = 0
    for module in modules:
        for mutant in find_mutants(str(module), sources[module]):
            mutated, line = apply(sources[module], mutant)
            try:  # removing the binding of a nonlocal name, say
                with warnings.catch_warnings():  # `x is "XX"`
                    warnings.simplefilter("ignore")
                    compile(mutated, str(module), "exec", dont_inherit=True)
            except SyntaxError:
                invalid += 1
                continue
            mutants.append(mutant)
            applied[mutant] = (mutated, line)
    mutants.sort(key=lambda m: (modules.index(Path(m.module)), m.line, m.index))
    if args.sample is not None and args.sample < len(mutants):
        chosen = set(random.Random(args.seed).sample(range(len(mutants)), args.sample))
        mutants = [m for i, m in enumerate(mutants) if i in chosen]
    if invalid:
        print(f"mutate: {invalid} mutant(s) that do not compile left out", file=sys.stderr)
    if args.list:
        for mutant in mutants:
            line = applied[mutant][1]
            print(f"{mutant.module}:{mutant.line}: {mutant.description}: {line}")
        print(f"{len(mutants)} mutants")
        return 0

    roots = list(dict.fromkeys(package_root(m.resolve()) for m in modules))
    resolved = {m: m.resolve() for m in modules}
    jobs = max(1, args.jobs)
    workspaces = [Workspace(roots) for _ in range(jobs)]
    free: queue.Queue[Workspace] = queue.Queue()
    try:
        baseline = sanity(workspaces[0], [resolved[m] for m in modules], args.tests)
        timeout = args.timeout or max(10.0, 5 * baseline)
        print(
            f"mutate: {len(mutants)} mutants of {len(modules)} module(s); the unmutated "
            f"run took {baseline:.1f} s, timeout {timeout:.0f} s, {jobs} job(s)",
            file=sys.stderr,
            flush=True,
        )
        for workspace in workspaces:
            free.put(workspace)
        lock = threading.Lock()
        progress = sys.stderr.isatty()
        done = [0]

        def run(mutant: Mutant) -> tuple[Mutant, str, str]:
            module = Path(mutant.module)
            mutated, line = applied[mutant]
            workspace = free.get()
            try:
                state, _, _ = workspace.with_source(
                    resolved[module], mutated, lambda: run_twice(workspace, args.tests, timeout)
                )
            finally:
                free.put(workspace)
            with lock:
                done[0] += 1
                if progress:
                    print(f"\r{done[0]}/{len(mutants)}", end="", file=sys.stderr, flush=True)
                elif done[0] * 10 // len(mutants) > (done[0] - 1) * 10 // len(mutants):
                    print(f"mutate: {done[0]}/{len(mutants)} run", file=sys.stderr, flush=True)
            return mutant, state, line

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(run, mutants))
        if progress:
            print(file=sys.stderr)
    finally:
        for workspace in workspaces:
            workspace.remove()

    source_lines = {m: sources[m].splitlines() for m in modules}
    survivors = [(m, line) for m, state, line in results if state == "passed"]
    survivors.sort(key=lambda s: (s[0].module, s[0].line))
    for mutant, line in survivors:
        original = source_lines[Path(mutant.module)][mutant.line - 1].strip()
        print(f"survived {mutant.module}:{mutant.line}: {mutant.description}")
        print(f"    - {original}")
        print(f"    + {line}")
    total = killed = 0
    for module in modules:
        mine = [state for m, state, _ in results if m.module == str(module)]
        dead = sum(state != "passed" for state in mine)
        timeouts = sum(state == "timeout" for state in mine)
        total, killed = total + len(mine), killed + dead
        extra = f", {timeouts} by timeout" if timeouts else ""
        print(
            f"mutation score {module}: {dead}/{len(mine)} killed ({_percent(dead, mine)}){extra}"
        )
    print(f"mutation score overall: {killed}/{total} killed ({_percent(killed, results)})")
    return 0


def _percent(killed: int, of: list) -> str:
    return f"{100 * killed / len(of):.1f}%" if of else "no mutants"


if __name__ == "__main__":
    sys.exit(main())
