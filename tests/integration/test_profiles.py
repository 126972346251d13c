"""Status profiles against a real Kitsu (Zou): ``[[IntegrateKitsuNote.status_profiles]]``.

Every publish is made by a real Artist (not an admin: in the project's team, assigned to
the tasks) through ``pyblish.util.publish`` and the real plugin directory; each test
reads back from Zou what it stored (the task's status, the comments' text and author)
and checks the ``kitsuNotes`` reason names the deciding profile. Several tasks share
one publish where the points allow it, to keep the server round trips few.

Only statuses an artist may set are used (todo, wip, wfa, done, retake, ready: Zou's
``is_artist_allowed``; see kitsu_publish.kitsu.permissions).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import kitsu_seed
import pyblish.api
import pytest
from harness import Outcome, publish

from kitsu_publish.errors import StatusNotFound

pytestmark = pytest.mark.zou


def instance(name: str, product_type: str, task_id: str, **data: Any) -> dict[str, Any]:
    return {
        "name": name,
        "productType": product_type,
        "version": 1,
        "kitsuTaskId": task_id,
        **data,
    }


def stored(admin: Any, task_id: str) -> tuple[str, list[str]]:
    """What Kitsu stored on the task: its status now and its comments' texts."""
    texts = [c["text"] for c in kitsu_seed.comments(admin, task_id)]
    return kitsu_seed.status(admin, task_id), texts


def reasons(outcome: Outcome) -> dict[str, str]:
    """The kitsuNotes reason of each task (by id); every note must have been posted."""
    assert all(n["posted"] for n in outcome.notes), outcome.notes
    return {n["task"]["id"]: n["reason"] for n in outcome.notes}


@contextmanager
def registered_host(name: str) -> Iterator[None]:
    """A host registered the way a DCC integration does (pyblish-maya: "maya")."""
    pyblish.api.register_host(name)
    try:
        yield
    finally:
        pyblish.api.deregister_host(name)


def test_task_type_profiles_regexes_on_whole_names_and_the_table_for_the_rest(
    admin, production, artist, settings_file
):
    settings_file(
        """
        [IntegrateKitsuNote]
        note_status_shortname = "wip"

        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Animation"]
        note_status_shortname = "wfa"

        # matches part of "Lighting" only: a pattern must match the whole name
        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Light"]
        note_status_shortname = "retake"

        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["comp.*", "LIGHT.*"]
        note_status_shortname = "done"
        """
    )
    animation = production.tasks["shot:Animation"]
    lighting = production.tasks["shot:Lighting"]
    modeling = production.tasks["asset:Modeling"]

    outcome = publish(
        [
            instance("animRender", "render", animation),
            instance("lightRender", "render", lighting),
            instance("modelMain", "model", modeling),
        ],
        {"comment": "daily"},
    )

    assert outcome.errors() == []
    assert stored(admin, animation) == ("wfa", ["daily"])
    assert stored(admin, lighting) == ("done", ["daily"])
    assert stored(admin, modeling) == ("wip", ["daily"])  # the table's status
    for task_id in (animation, lighting, modeling):
        (comment,) = kitsu_seed.comments(admin, task_id)
        assert comment["person_id"] == artist.id  # posted as the artist, not the admin
    why = reasons(outcome)
    assert why[animation] == (
        "status profile #1 (task_types ['Animation']): status 'todo' and product type "
        "'render' meet the conditions: status 'todo' -> 'wfa'"
    )
    assert why[lighting].startswith("status profile #3 (task_types ['comp.*', 'LIGHT.*']): ")
    assert why[lighting].endswith("-> 'done'")
    assert why[modeling].startswith("no status profile matches: status 'todo' and ")
    assert why[modeling].endswith("-> 'wip'")
    # the reason is in the publish's log too, as validation decided it
    logged = [r.getMessage() for r in outcome.records]
    assert any(why[animation] in line for line in logged), logged


def test_a_host_profile_applies_only_under_that_host(admin, production, artist, settings_file):
    settings_file(
        """
        [[IntegrateKitsuNote.status_profiles]]
        host_names = ["maya"]
        note_status_shortname = "done"
        """
    )
    tasks = production.tasks
    maya_profile = "status profile #1 (host_names ['maya']): "

    # the host AYON / OpenPype put on the context (matched case-insensitively)
    in_maya = publish(
        [instance("animRender", "render", tasks["shot:Animation"])],
        {"comment": "from maya", "hostName": "Maya"},
    )
    in_houdini = publish(
        [instance("lightRender", "render", tasks["shot:Lighting"])],
        {"comment": "from houdini", "hostName": "houdini"},
    )
    # no hostName: the host a DCC integration registered with pyblish
    with registered_host("maya"):
        registered = publish(
            [instance("epRender", "render", tasks["ep:Animation"])], {"comment": "r"}
        )
        # hostName, when set, is the host, whatever is registered
        named = publish(
            [instance("modelMain", "model", tasks["asset:Modeling"])],
            {"comment": "n", "hostName": "houdini"},
        )
    assert "maya" not in pyblish.api.registered_hosts()

    for outcome in (in_maya, in_houdini, registered, named):
        assert outcome.errors() == []
    assert stored(admin, tasks["shot:Animation"]) == ("done", ["from maya"])
    assert stored(admin, tasks["shot:Lighting"]) == ("wfa", ["from houdini"])
    assert stored(admin, tasks["ep:Animation"]) == ("done", ["r"])
    assert stored(admin, tasks["asset:Modeling"]) == ("wfa", ["n"])
    assert reasons(in_maya)[tasks["shot:Animation"]].startswith(maya_profile)
    assert reasons(registered)[tasks["ep:Animation"]].startswith(maya_profile)
    for outcome in (in_houdini, named):
        assert outcome.notes[0]["reason"].startswith("no status profile matches: ")


def test_a_product_profile_matches_only_through_an_active_instance_passing_every_filter(
    admin, production, artist, settings_file
):
    settings_file(
        """
        [[IntegrateKitsuNote.status_profiles]]
        product_types = ["review"]
        note_status_shortname = "done"

        [[IntegrateKitsuNote.status_profiles]]
        product_types = ["model"]
        product_names = ["propModel"]
        note_status_shortname = "retake"
        """
    )
    tasks = production.tasks

    outcome = publish(
        [
            # two instances on the task, one of them a review: the profile matches
            instance("animRender", "render", tasks["shot:Animation"]),
            instance("animReview", "review", tasks["shot:Animation"]),
            # the review is switched off: it takes no part, nor in choosing the profile
            instance("epRender", "render", tasks["ep:Animation"]),
            instance("epReview", "review", tasks["ep:Animation"], publish=False),
            # one instance has the product type, the other the product name: no match
            instance("propModel", "look", tasks["shot:Lighting"]),
            instance("setModel", "model", tasks["shot:Lighting"]),
            # one instance has both (its productName, not its name, is the product name)
            instance("modelMain", "model", tasks["asset:Modeling"], productName="propModel"),
            instance("lookMain", "look", tasks["asset:Modeling"]),
        ],
        {"comment": "products"},
    )

    assert outcome.errors() == []
    assert stored(admin, tasks["shot:Animation"]) == ("done", ["products"])
    assert stored(admin, tasks["ep:Animation"]) == ("wfa", ["products"])
    assert stored(admin, tasks["shot:Lighting"]) == ("wfa", ["products"])
    assert stored(admin, tasks["asset:Modeling"]) == ("retake", ["products"])
    why = reasons(outcome)
    assert why[tasks["shot:Animation"]].startswith(
        "status profile #1 (product_types ['review']): "
    )
    assert why[tasks["asset:Modeling"]].startswith(
        "status profile #2 (product_types ['model']; product_names ['propModel']): "
    )
    for key in ("ep:Animation", "shot:Lighting"):
        assert why[tasks[key]].startswith("no status profile matches: "), key


def test_the_most_specific_profile_wins_and_the_first_listed_wins_a_tie(
    admin, production, artist, settings_file
):
    settings_file(
        """
        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Animation"]
        note_status_shortname = "wip"

        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Animation"]
        product_types = ["render"]
        note_status_shortname = "done"

        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Lighting"]
        note_status_shortname = "done"

        [[IntegrateKitsuNote.status_profiles]]
        product_types = ["render"]
        note_status_shortname = "wip"
        """
    )
    tasks = production.tasks

    outcome = publish(
        [
            # #1, #2 and #4 match: #2 has the most filters, though listed after #1
            instance("animRender", "render", tasks["shot:Animation"]),
            # #3 and #4 match with one filter each: #3, listed first
            instance("lightRender", "render", tasks["shot:Lighting"]),
            # only #1 matches (#2 wants a render)
            instance("epReview", "review", tasks["ep:Animation"]),
        ],
        {"comment": "which profile"},
    )

    assert outcome.errors() == []
    assert stored(admin, tasks["shot:Animation"]) == ("done", ["which profile"])
    assert stored(admin, tasks["shot:Lighting"]) == ("done", ["which profile"])
    assert stored(admin, tasks["ep:Animation"]) == ("wip", ["which profile"])
    why = reasons(outcome)
    assert why[tasks["shot:Animation"]].startswith(
        "status profile #2 (task_types ['Animation']; product_types ['render']): "
    )
    assert why[tasks["shot:Lighting"]].startswith("status profile #3 (task_types ['Lighting']): ")
    assert why[tasks["ep:Animation"]].startswith("status profile #1 (task_types ['Animation']): ")


def test_a_profile_s_own_switch_conditions_and_template_are_used_key_by_key(
    admin, production, artist, settings_file
):
    settings_file(
        """
        [[IntegrateKitsuNote.status_change_conditions.product_type_requirements]]
        condition = "equal"
        product_type = "render"

        [IntegrateKitsuNote.custom_comment_template]
        enabled = false
        syntax = "legacy"
        comment_template = "table template: {comment}"

        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Animation"]
        set_status_note = false

        # its conditions allow only 'ready' (the task is in todo); its template, given
        # without enabled, is enabled and keeps the table's legacy syntax
        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Lighting"]
        note_status_shortname = "done"
        [[IntegrateKitsuNote.status_profiles.status_change_conditions.status_conditions]]
        condition = "equal"
        short_name = "ready"
        [IntegrateKitsuNote.status_profiles.custom_comment_template]
        comment_template = "{comment} ({productType} v{version}, lighting profile)"

        # its product requirement replaces the table's (render only)
        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Modeling"]
        note_status_shortname = "done"
        [[IntegrateKitsuNote.status_profiles.status_change_conditions.product_type_requirements]]
        condition = "equal"
        product_type = "model"

        # its status conditions hold; the table's product requirement (render) still applies
        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Animation"]
        product_types = ["review"]
        note_status_shortname = "done"
        [[IntegrateKitsuNote.status_profiles.status_change_conditions.status_conditions]]
        condition = "equal"
        short_name = "todo"
        """
    )
    tasks = production.tasks

    outcome = publish(
        [
            instance("animRender", "render", tasks["shot:Animation"]),
            instance("lightRender", "render", tasks["shot:Lighting"], version=4),
            instance("modelMain", "model", tasks["asset:Modeling"]),
            instance("epReview", "review", tasks["ep:Animation"]),
        ],
        {"comment": "own rules"},
    )

    assert outcome.errors() == []
    # the table alone would have moved both render tasks to wfa and kept the model's
    assert stored(admin, tasks["shot:Animation"]) == ("todo", ["own rules"])
    assert stored(admin, tasks["shot:Lighting"]) == (
        "todo",
        ["own rules (render v4, lighting profile)"],
    )
    assert stored(admin, tasks["asset:Modeling"]) == ("done", ["own rules"])
    assert stored(admin, tasks["ep:Animation"]) == ("todo", ["own rules"])
    why = reasons(outcome)
    assert why[tasks["shot:Animation"]] == (
        "status profile #1 (task_types ['Animation']): set_status_note is off "
        "(status 'todo'): status kept"
    )
    assert why[tasks["shot:Lighting"]] == (
        "status profile #2 (task_types ['Lighting']): status 'todo' is not in allowed "
        "[ready]: status kept"
    )
    assert why[tasks["asset:Modeling"]].startswith("status profile #3 (task_types ['Modeling']): ")
    assert why[tasks["asset:Modeling"]].endswith("-> 'done'")
    assert why[tasks["ep:Animation"]] == (
        "status profile #4 (task_types ['Animation']; product_types ['review']): no product "
        "type of [review] passes the requirements (allowed [render]): status kept"
    )


def test_a_profile_naming_a_status_kitsu_lacks_fails_validation_and_posts_nothing(
    admin, production, artist, settings_file, raised
):
    settings_file(
        """
        [[IntegrateKitsuNote.status_profiles]]
        task_types = ["Animation"]
        note_status_shortname = "nosuchstatus"
        """
    )
    animation = production.tasks["shot:Animation"]
    lighting = production.tasks["shot:Lighting"]

    outcome = publish(
        [
            instance("animRender", "render", animation),
            instance("lightRender", "render", lighting),  # no profile: the table's wfa
        ],
        {"comment": "never stored"},
    )

    error = raised(outcome, "ValidateKitsuNote")
    assert isinstance(error, StatusNotFound)
    assert error.short_name == "nosuchstatus"
    message = str(error)
    assert "Kitsu has no task status with short name 'nosuchstatus'" in message
    assert "set by status profile #1 (task_types ['Animation'])" in message
    assert message.endswith("Nothing was posted to Kitsu.")
    assert "IntegrateKitsuNote" not in outcome.ran()
    assert outcome.notes == []
    assert stored(admin, animation) == ("todo", [])
    assert stored(admin, lighting) == ("todo", [])
