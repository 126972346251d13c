"""The demo publish: three instances of one shot task, one comment, status todo -> wfa.

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

SETTINGS = '''
[IntegrateKitsuNote]
set_status_note = true
note_status_shortname = "wfa"

[[IntegrateKitsuNote.status_change_conditions.status_conditions]]
condition = "not_equal"
short_name = "done"

[[IntegrateKitsuNote.status_change_conditions.product_type_requirements]]
condition = "not_equal"
product_type = "workfile"

[IntegrateKitsuNote.custom_comment_template]
enabled = true
comment_template = """{{ comment }}

| product | version |
|--|--|
{% for i in instances %}| {{ i.name | md }} | v{{ '%03d' % i.version }} |
{% endfor %}"""
'''


def main() -> int:
    zou = kitsu_seed.Zou.from_env()
    admin = zou.client()
    production = kitsu_seed.seed(admin, "")
    task_id = production.tasks["shot:Animation"]
    print(f"Seeded project '{production.project}', shot {production.shot_path}, task Animation")
    print(f"Status before: {kitsu_seed.status(admin, task_id)}")

    settings = Path(tempfile.mkdtemp()) / "kitsu.toml"
    settings.write_text(SETTINGS, encoding="utf-8")
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
