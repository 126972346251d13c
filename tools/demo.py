"""The demo publish: three instances of one shot task, one comment, status todo -> wfa,
with the settings example of the README.

Run by tools/demo.sh, which starts the server and sets ZOU_URL and the admin login.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

import pyblish.api
import pyblish.util

import kitsu_publish

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kitsu_seed

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_settings() -> str:
    """The settings example of the README, verbatim: the demo shows what a TD who copies
    it gets (its [kitsu] server is overridden by KITSU_SERVER)."""
    section = README.read_text(encoding="utf-8").split("\n## Settings\n", 1)[1]
    return section.split("```toml\n", 1)[1].split("```", 1)[0]


def main() -> int:
    zou = kitsu_seed.Zou.from_env()
    admin = zou.client()
    production = kitsu_seed.seed(admin, "")
    task_id = production.tasks["shot:Animation"]
    print(f"Seeded project '{production.project}', shot {production.shot_path}, task Animation")
    print(f"Status before: {kitsu_seed.status(admin, task_id)}")

    settings = Path(tempfile.mkdtemp()) / "kitsu.toml"
    settings.write_text(readme_settings(), encoding="utf-8")
    print("Settings: the example of README.md, section 'Settings'")
    os.environ.update(
        KITSU_SERVER=zou.url,
        KITSU_LOGIN=zou.email,
        KITSU_PWD=zou.password,
        KITSU_PUBLISH_SETTINGS=str(settings),
    )
    logging.basicConfig(level=logging.INFO, format="   %(name)s: %(message)s")
    for noisy in ("urllib3", "gazu"):  # pyblish sets the root logger to DEBUG while it runs
        logging.getLogger(noisy).setLevel(logging.WARNING)

    pyblish.api.deregister_all_paths()
    kitsu_publish.register()
    context = pyblish.api.Context()
    context.data["comment"] = "Blocking pass ready for review"
    for name, product_type, version in (
        ("animationMain", "animation", 3),
        ("reviewMain", "review", 3),
        ("workfileAnimation", "workfile", 12),
    ):
        instance = context.create_instance(name)
        instance.data.update(
            productType=product_type,
            version=version,
            kitsuProject=production.project,
            kitsuEntity=production.shot_path,
            kitsuTaskType="Animation",
        )
    print("Publishing through the plugins in", kitsu_publish.plugin_path())
    pyblish.util.publish(context, plugins=pyblish.api.discover())

    errors = [r for r in context.data["results"] if r["error"]]
    for result in errors:
        print(f"FAILED {result['plugin'].__name__}: {result['error']}")
    comments = kitsu_seed.comments(admin, task_id)
    print(f"\nStatus after: {kitsu_seed.status(admin, task_id)}")
    print(f"Comments on the task: {len(comments)}")
    for comment in comments:
        print("---- comment text ----")
        print(comment["text"])
    return 1 if errors or len(comments) != 1 else 0


if __name__ == "__main__":
    sys.exit(main())
