"""End to end as an artist publishes: pyblish-lite's window, the real plugins, a real Kitsu.

The window is the one pyblish_lite.show() builds (offscreen), the plugins come from the
real plugin directory (kitsu_publish.register()), and a scene collector registered for
the test creates the instances. The artist types in the comment box, clicks the items
and the Publish button; what happened is read back from the loopback Kitsu (Zou).
Each test saves screenshots of the window under tests/gui/artefacts/.
"""

from __future__ import annotations

from typing import Any

import kitsu_seed
import pyblish.api
import pyblish.plugin
import pytest

import kitsu_publish

pytestmark = pytest.mark.zou


def scene(*instances: dict[str, Any]) -> type:
    """A collector, as a studio's host integration has, creating these instances."""

    class CollectScene(pyblish.api.ContextPlugin):
        """Find what the scene publishes."""

        label = "Collect scene"
        order = pyblish.api.CollectorOrder

        def process(self, context):  # no annotations: pyblish-base 1.8.1 refuses them
            for data in instances:
                instance = context.create_instance(data["name"])
                instance.data.update(family="render", productType="render", version=1)
                instance.data.update(data)

    return CollectScene


def register(*instances: dict[str, Any]) -> None:
    kitsu_publish.register()
    pyblish.api.register_plugin(scene(*instances))


def our_plugins() -> set[str]:
    """Class names of the plugins in kitsu-publish's plugin directory."""
    found = pyblish.plugin.discover(paths=[kitsu_publish.plugin_path()])
    return {plugin.__name__ for plugin in found}


def all_comments(admin: Any, production: Any) -> dict[str, list[str]]:
    return {
        key: [c["text"] for c in kitsu_seed.comments(admin, task_id)]
        for key, task_id in production.tasks.items()
    }


def test_typed_comment_is_posted_and_the_task_waits_for_approval(publisher, admin, production):
    task_id = production.tasks["shot:Animation"]
    register({"name": "renderMain", "kitsuTaskId": task_id})
    gui = publisher()
    assert gui.instances() == {"renderMain": True}
    assert kitsu_seed.status(admin, task_id) == "todo"

    typed = "Animation blocking done, ready for review"
    gui.type_comment(typed)
    assert gui.controller.context.data["comment"] == typed  # pyblish-lite took the keys
    gui.publish()
    gui.screenshots()

    assert gui.errors() == []
    assert gui.terminal("error") == []
    assert gui.info == "Finished successfully!"
    assert "IntegrateKitsuNote" in [r["plugin"].__name__ for r in gui.results]
    comments = kitsu_seed.comments(admin, task_id)
    assert [c["text"] for c in comments] == [typed]
    assert comments[0]["task_status"]["short_name"] == "wfa"
    assert kitsu_seed.status(admin, task_id) == "wfa"
    notes = gui.controller.context.data["kitsuNotes"]
    assert [(n["posted"], n["comment_id"]) for n in notes] == [(True, comments[0]["id"])]


def test_failed_validation_shows_our_message_and_posts_nothing(publisher, admin, production):
    register(
        {"name": "renderMain", "kitsuTaskId": production.tasks["shot:Animation"]},
        {
            "name": "renderLighting",
            "kitsuProject": production.project,
            "kitsuEntity": production.shot_path,  # a shot with a 'Lighting' task
            "kitsuTaskType": "Lightning",
        },
    )
    gui = publisher()
    gui.type_comment("lighting pass 1")
    gui.publish()
    gui.screenshots()

    errors = gui.errors()
    assert errors, "the publish did not fail"
    assert {plugin for plugin, _ in errors} <= our_plugins(), errors
    ours = [message for _, message in errors if "Lightning" in message]
    assert ours, f"no error names the task type 'Lightning': {errors}"
    shown = gui.terminal("error")
    assert any(message in shown for message in ours), f"not in the Terminal page: {shown}"
    assert gui.info == "Stopped due to error(s), see Terminal."

    # nothing reached Kitsu: no comment on any task of the production, no status moved
    assert all_comments(admin, production) == {key: [] for key in production.tasks}
    assert {kitsu_seed.status(admin, t) for t in production.tasks.values()} == {"todo"}
    ran = [r["plugin"].__name__ for r in gui.results]
    assert "IntegrateKitsuNote" not in ran
    assert "kitsuNotes" not in gui.controller.context.data


def test_unticked_instance_gets_no_note(publisher, admin, production):
    animation = production.tasks["shot:Animation"]
    lighting = production.tasks["shot:Lighting"]
    register(
        {"name": "renderMain", "kitsuTaskId": animation},
        {"name": "renderLighting", "kitsuTaskId": lighting},
    )
    gui = publisher()
    assert gui.instances() == {"renderMain": True, "renderLighting": True}

    gui.toggle("renderLighting")
    assert gui.instances() == {"renderMain": True, "renderLighting": False}
    gui.type_comment("only the animation")
    gui.publish()
    gui.screenshots()

    assert gui.errors() == []
    assert [c["text"] for c in kitsu_seed.comments(admin, animation)] == ["only the animation"]
    assert kitsu_seed.status(admin, animation) == "wfa"
    assert kitsu_seed.comments(admin, lighting) == []
    assert kitsu_seed.status(admin, lighting) == "todo"
    notes = gui.controller.context.data["kitsuNotes"]
    assert [n["instances"] for n in notes] == [["renderMain"]]
