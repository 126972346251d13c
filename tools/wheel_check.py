"""Checks for tools/wheel-test.sh: what the built wheel and sdist hold, and the installed wheel.

    python wheel_check.py contents DIST_DIR CHECKOUT VERSION
        the wheel carries the package and the plugin files, the sdist the whole project
    python wheel_check.py installed CHECKOUT VERSION
        run by a venv's Python that has the wheel installed, from outside the checkout
        (with kitsu_seed.py beside it): kitsu_publish comes from that venv, its plugins
        are discovered there, and one publish against the loopback Kitsu posts a comment

Prints what it checked; exits 1 with the reason on the first failed check.
"""

from __future__ import annotations

import ast
import os
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any


def declared_plugins(checkout: Path) -> set[str]:
    """The plugin names of kitsu_publish.PLUGINS, read from the checkout's source."""
    tree = ast.parse((checkout / "src" / "kitsu_publish" / "__init__.py").read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PLUGINS":
            return set(ast.literal_eval(node.value))
    raise SystemExit("kitsu_publish/__init__.py declares no PLUGINS")


class CheckFailed(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def contents(dist: Path, checkout: Path, version: str) -> None:
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    check(len(wheels) == 1 and len(sdists) == 1, f"expected one wheel and one sdist in {dist}")
    wheel, sdist = wheels[0], sdists[0]
    check(wheel.name == f"kitsu_publish-{version}-py3-none-any.whl", f"wheel name {wheel.name}")

    plugin_files = sorted(p.name for p in (checkout / "plugins").glob("*.py"))
    plugins = declared_plugins(checkout)
    check(len(plugin_files) == len(plugins), f"checkout plugins/ holds {plugin_files}")
    package_files = sorted(p.name for p in (checkout / "src" / "kitsu_publish").glob("*.py"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(f"kitsu_publish-{version}.dist-info/METADATA").decode()
        entry_points = zf.read(f"kitsu_publish-{version}.dist-info/entry_points.txt").decode()
    in_wheel = sorted(n.split("/")[-1] for n in names if n.startswith("kitsu_publish/plugins/"))
    check(in_wheel == plugin_files, f"wheel plugins {in_wheel} != checkout's {plugin_files}")
    missing = [f for f in package_files if f"kitsu_publish/{f}" not in names]
    check(not missing, f"wheel lacks kitsu_publish/{missing}")
    stray = sorted(n for n in names if not n.startswith(("kitsu_publish/", "kitsu_publish-")))
    check(not stray, f"wheel holds files outside the package: {stray}")
    check(f"\nVersion: {version}\n" in metadata, "wheel METADATA has another version")
    check("kitsu-publish = kitsu_publish.cli:main" in entry_points, "no kitsu-publish command")
    print(f"   wheel {wheel.name}: package {len(package_files)} modules, plugins {in_wheel}")

    top = f"kitsu_publish-{version}/"
    with tarfile.open(sdist) as tf:
        members = {m.name[len(top) :] for m in tf.getmembers() if m.name.startswith(top)}
    for wanted in ("pyproject.toml", "README.md", "CHANGELOG.md", "src/kitsu_publish/__init__.py"):
        check(wanted in members, f"sdist lacks {wanted}")
    for folder in ("src", "plugins", "tests", "tools", "docs"):
        check(any(m.startswith(folder + "/") for m in members), f"sdist lacks {folder}/")
    check(all(f"plugins/{f}" in members for f in plugin_files), "sdist lacks some plugins/ files")
    check(not any("__pycache__" in m or m.startswith(".venv") for m in members), "sdist junk")
    print(f"   sdist {sdist.name}: {len(members)} files, with src plugins tests tools docs")


def installed(checkout: Path, version: str) -> None:
    import logging
    import subprocess
    import sysconfig

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    checkout = checkout.resolve()
    check(not any(Path(p or ".").resolve() == checkout for p in sys.path), "checkout on sys.path")

    import kitsu_publish

    where = Path(kitsu_publish.__file__).resolve()
    check(site in where.parents, f"kitsu_publish imported from {where}, not from {site}")
    check(
        kitsu_publish.__version__ == version,
        f"__version__ {kitsu_publish.__version__!r} != {version!r} (the wheel's)",
    )
    path = Path(kitsu_publish.plugin_path())
    check(path == where.parent / "plugins", f"plugin_path() is {path}")
    print(f"   kitsu_publish {kitsu_publish.__version__} from {where.parent}")

    command = Path(sys.executable).parent / "kitsu-publish"
    shown = subprocess.run(
        [str(command), "plugin-path"], capture_output=True, text=True, check=False
    )
    check(shown.returncode == 0, f"kitsu-publish plugin-path failed: {shown.stderr}")
    check(shown.stdout.strip() == str(path), f"kitsu-publish plugin-path: {shown.stdout}")

    import pyblish.api
    import pyblish.util

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logging.getLogger().addHandler(Keep(logging.DEBUG))
    logging.getLogger().setLevel(logging.DEBUG)
    os.environ.pop("PYBLISHPLUGINPATH", None)
    pyblish.api.deregister_all_paths()
    kitsu_publish.register()
    plugins = pyblish.api.discover()
    names = sorted(p.__name__ for p in plugins)
    check(sorted(kitsu_publish.PLUGINS) == names, f"discovered {names}")
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    check(not errors, f"discovery logged errors: {errors}")
    print(f"   discovered {len(plugins)} plugins in {path}, no error logged")

    import kitsu_seed

    zou = kitsu_seed.Zou.from_env()
    admin = zou.client()
    production = kitsu_seed.seed(admin)
    task_id = production.tasks["shot:Animation"]
    os.environ.update(KITSU_SERVER=zou.url, KITSU_LOGIN=zou.email, KITSU_PWD=zou.password)
    comment = f"wheel test on Python {sys.version.split()[0]}"

    context: Any = pyblish.api.Context()
    context.data["comment"] = comment
    instance = context.create_instance("renderMain")
    instance.data.update(
        {"name": "renderMain", "productType": "render", "version": 1, "kitsuTaskId": task_id}
    )
    records.clear()
    pyblish.util.publish(context, plugins=pyblish.api.discover())
    failed = [
        f"{r['plugin'].__name__}: {r['error']}" for r in context.data["results"] if r["error"]
    ]
    check(not failed, f"publish failed: {failed}")
    ran = {r["plugin"].__name__ for r in context.data["results"]}
    check(ran == set(kitsu_publish.PLUGINS), f"publish ran {sorted(ran)}")
    posted = kitsu_seed.comments(admin, task_id)
    check([c["text"] for c in posted] == [comment], f"Kitsu has comments {posted}")
    status = kitsu_seed.status(admin, task_id)
    check(status == "wfa", f"task status is {status!r}, not 'wfa'")
    print(f"   published: one comment on task {task_id}, status todo -> {status}")


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["contents"] and len(argv) == 4:
            contents(Path(argv[1]), Path(argv[2]), argv[3])
        elif argv[:1] == ["installed"] and len(argv) == 3:
            installed(Path(argv[1]), argv[2])
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except CheckFailed as exc:
        print(f"   FAILED: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
