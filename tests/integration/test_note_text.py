"""The ``md`` filter against a real Kitsu (Zou): names that look like mentions and tags.

A real Artist (in the project's team, assigned to the tasks) publishes through the real
plugin directory with the template ``{{ name | md }}``, for products named after a team
member (``@<full name>``), a department (``@Animation``) and every task (``#All``). Read
back from Zou: the comments' ``mentions`` and ``department_mentions`` are empty (Zou
notifies no one), no copy of the note went to the shot's other task (Zou's ``#All``),
and the stored text, rendered as Kitsu's web app renders it (tests/note_render.py), shows
each name exactly.
"""

from __future__ import annotations

from typing import Any

import kitsu_seed
import pytest
from harness import publish

from note_render import KitsuWeb, kitsu_web_installed, shown

pytestmark = pytest.mark.zou

TEMPLATE = """
[IntegrateKitsuNote.custom_comment_template]
enabled = true
comment_template = "{{ name | md }}"
"""


@pytest.fixture(scope="module")
def kitsu_web() -> KitsuWeb:
    """Kitsu's web rendering (``npm ci`` first if needed; without node: see note_render)."""
    return kitsu_web_installed()


def test_names_like_mentions_and_tags_store_none_and_show_as_they_are(
    admin: Any, production: kitsu_seed.Production, artist: Any, settings_file, kitsu_web
):
    teammate = kitsu_seed.new_person(admin, "user", project=production.project)
    try:
        department = kitsu_seed.department(admin, "Animation")
        names = {
            production.tasks["asset:Modeling"]: f"@{teammate.full_name}",
            production.tasks["ep:Animation"]: f"@{department['name']}",
            production.tasks["shot:Animation"]: "#All",
        }
        settings_file(TEMPLATE)

        outcome = publish(
            [
                {"name": f"product{n}", "productName": name, "productType": "render"}
                | {"version": 1, "kitsuTaskId": task_id}
                for n, (task_id, name) in enumerate(names.items())
            ],
            {"comment": "names"},
        )

        assert outcome.errors() == []
        stored = {task_id: kitsu_seed.comments(admin, task_id) for task_id in names}
        assert all(len(comments) == 1 for comments in stored.values()), stored
        for comments in stored.values():
            assert comments[0]["mentions"] == []
            assert comments[0]["department_mentions"] == []
        # #All unescaped would have copied the shot's note to its other task
        assert kitsu_seed.comments(admin, production.tasks["shot:Lighting"]) == []
        texts = [stored[task_id][0]["text"] for task_id in names]
        html = kitsu_web.render([{"text": text} for text in texts])
        assert [shown(one) for one in html] == list(names.values())
        assert all("<a" not in one for one in html), html
    finally:
        kitsu_seed.retire(admin, teammate.id)
