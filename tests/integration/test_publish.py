"""Whole publishes through the real plugin directory against a real Kitsu (Zou) server.

Every test reads the outcome back from the server through gazu: the task's status and
its comments.
"""

from __future__ import annotations

import json
from typing import Any

import kitsu_seed
import pyblish.api
import pyblish.util
import pytest
from harness import discover, publish

pytestmark = [pytest.mark.zou, pytest.mark.usefixtures("kitsu_env")]


def instance(name: str, product_type: str = "render", **data: Any) -> dict[str, Any]:
    return {"name": name, "productType": product_type, "version": 1, **data}


def test_plain_publish_moves_todo_to_wfa_with_the_artist_comment(admin, production):
    task_id = production.tasks["shot:Animation"]
    assert kitsu_seed.status(admin, task_id) == "todo"

    outcome = publish(
        [instance("renderMain", kitsuTaskId=task_id)], {"comment": "Ready for review"}
    )

    assert outcome.errors() == []
    assert kitsu_seed.status(admin, task_id) == "wfa"
    comments = kitsu_seed.comments(admin, task_id)
    assert [c["text"] for c in comments] == ["Ready for review"]
    assert comments[0]["task_status"]["short_name"] == "wfa"
    posted = outcome.context[0].data["kitsuComment"]
    assert posted["id"] == comments[0]["id"]
    kitsu_task = outcome.context[0].data["kitsuTask"]  # the full Kitsu task dict
    assert kitsu_task["id"] == task_id
    assert kitsu_task["task_type"]["name"] == "Animation"
    assert kitsu_task["project"]["name"] == production.project
    assert [(n["status_before"], n["status_after"], n["posted"]) for n in outcome.notes] == [
        ("todo", "wfa", True)
    ]


def test_status_condition_that_does_not_hold_posts_the_comment_and_keeps_the_status(
    admin, production, settings_file
):
    settings_file(
        """
        [[IntegrateKitsuNote.status_change_conditions.status_conditions]]
        condition = "equal"
        short_name = "wip"
        """
    )
    task_id = production.tasks["shot:Animation"]

    outcome = publish([instance("renderMain", kitsuTaskId=task_id)], {"comment": "take 2"})

    assert outcome.errors() == []
    assert kitsu_seed.status(admin, task_id) == "todo"
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["take 2"]
    assert "not in allowed [wip]" in outcome.notes[0]["reason"]


def test_status_condition_that_holds_changes_the_status(admin, production, settings_file):
    settings_file(
        """
        [[IntegrateKitsuNote.status_change_conditions.status_conditions]]
        condition = "equal"
        short_name = "WIP"
        """
    )
    task_id = production.tasks["shot:Animation"]
    kitsu_seed.set_status(admin, task_id, "wip")

    outcome = publish([instance("renderMain", kitsuTaskId=task_id)], {"comment": "done"})

    assert outcome.errors() == []
    assert kitsu_seed.status(admin, task_id) == "wfa"


@pytest.mark.parametrize(
    ("products", "expected"),
    [(["workfile"], "todo"), (["workfile", "render"], "wfa")],
    ids=["only-workfile-keeps", "workfile-and-render-changes"],
)
def test_not_equal_workfile_requirement_on_a_real_task(
    admin, production, settings_file, products, expected
):
    settings_file(
        """
        [[IntegrateKitsuNote.status_change_conditions.product_type_requirements]]
        condition = "not_equal"
        product_type = "workfile"
        """
    )
    task_id = production.tasks["shot:Animation"]

    outcome = publish(
        [instance(f"{p}Main", p, kitsuTaskId=task_id) for p in products], {"comment": "c"}
    )

    assert outcome.errors() == []
    assert kitsu_seed.status(admin, task_id) == expected
    assert len(kitsu_seed.comments(admin, task_id)) == 1


def test_three_instances_on_one_task_give_exactly_one_comment(admin, production):
    task_id = production.tasks["shot:Animation"]

    outcome = publish(
        [
            instance("renderMain", kitsuTaskId=task_id, comment="render is ready"),
            instance("reviewMain", "review", kitsuTaskId=task_id),
            instance("workfileMain", "workfile", kitsuTaskId=task_id),
        ],
        {"comment": "context comment"},
    )

    assert outcome.errors() == []
    comments = kitsu_seed.comments(admin, task_id)
    assert len(comments) == 1
    # Without a template: the distinct comments of the group, in publish order.
    assert comments[0]["text"] == "render is ready\n\ncontext comment"
    assert outcome.notes[0]["instances"] == ["renderMain", "reviewMain", "workfileMain"]


def test_instances_on_two_tasks_give_one_comment_each(admin, production):
    animation = production.tasks["shot:Animation"]
    lighting = production.tasks["shot:Lighting"]

    outcome = publish(
        [
            instance("animCache", "pointcache", kitsuTaskId=animation),
            instance("lightRender", kitsuTaskId=lighting),
            instance("animReview", "review", kitsuTaskId=animation),
        ],
        {"comment": "daily"},
    )

    assert outcome.errors() == []
    for task_id in (animation, lighting):
        assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["daily"]
        assert kitsu_seed.status(admin, task_id) == "wfa"


def test_note_per_instance_setting_restores_one_comment_per_instance(
    admin, production, settings_file
):
    settings_file("[IntegrateKitsuNote]\nnote_per_instance = true\n")
    task_id = production.tasks["shot:Animation"]

    outcome = publish(
        [
            instance("a", kitsuTaskId=task_id, comment="first"),
            instance("b", kitsuTaskId=task_id, comment="second"),
        ]
    )

    # Kitsu's created_at is too coarse to order two quick comments: compare as a multiset.
    assert sorted(c["text"] for c in kitsu_seed.comments(admin, task_id)) == ["first", "second"]
    assert [n["instances"] for n in outcome.notes] == [["a"], ["b"]]


@pytest.mark.parametrize(
    ("entity", "task_type", "task_key"),
    [
        ("Fox", "Modeling", "asset:Modeling"),
        ("SQ020/SH020", "animation", "shot:Animation"),
        ("EP01/SQ010/SH010", "ANIMATION", "ep:Animation"),
    ],
    ids=["asset-name", "seq-shot-path", "ep-seq-shot-path"],
)
def test_targets_by_names_resolve(admin, production, entity, task_type, task_key):
    outcome = publish(
        [
            instance(
                "renderMain",
                kitsuProject=production.project,
                kitsuEntity=entity,
                kitsuTaskType=task_type,
            )
        ],
        {"comment": f"to {entity}"},
    )

    assert outcome.errors() == []
    task_id = production.tasks[task_key]
    assert outcome.context[0].data["kitsuTask"]["id"] == task_id
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == [f"to {entity}"]


def test_context_level_target_serves_every_instance(admin, production):
    task_id = production.tasks["asset:Modeling"]

    outcome = publish(
        [instance("modelMain", "model"), instance("lookMain", "look")],
        {
            "comment": "from context",
            "kitsuProject": production.project,
            "kitsuEntity": production.asset,
            "kitsuTaskType": "Modeling",
        },
    )

    assert outcome.errors() == []
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["from context"]


def test_environment_target_is_the_last_fallback(admin, production, monkeypatch):
    task_id = production.tasks["shot:Lighting"]
    monkeypatch.setenv("KITSU_TASK_ID", task_id)

    outcome = publish([instance("lightRender")], {"comment": "from env"})

    assert outcome.errors() == []
    assert kitsu_seed.status(admin, task_id) == "wfa"


def test_jinja_template_renders_a_markdown_table_of_the_tasks_instances(
    admin, production, settings_file
):
    settings_file(
        '''
        [IntegrateKitsuNote.custom_comment_template]
        enabled = true
        comment_template = """{{ comment }} ({{ status_before }} -> {{ status_after }})

| product | version |
|--|--|
{% for i in instances %}| {{ i.name | md }} | v{{ '%03d' % i.version }} |
{% endfor %}"""
        '''
    )
    task_id = production.tasks["shot:Animation"]

    publish(
        [
            instance("render_main|beauty", version=3, kitsuTaskId=task_id),
            instance("review_main", "review", version=12, kitsuTaskId=task_id),
        ],
        {"comment": "New lighting"},
    )

    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == [
        "New lighting (todo -> wfa)\n\n"
        "| product | version |\n"
        "|--|--|\n"
        "| render\\_main\\|beauty | v003 |\n"
        "| review\\_main | v012 |\n"
    ]


def test_legacy_comment_template_from_our_file(admin, production, settings_file):
    settings_file(
        """
        [IntegrateKitsuNote.custom_comment_template]
        enabled = true
        syntax = "legacy"
        comment_template = "{comment} - {productType} v{version} ({missing})"
        """
    )
    task_id = production.tasks["shot:Animation"]

    outcome = publish([instance("renderMain", version=7, kitsuTaskId=task_id)], {"comment": "hi"})

    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["hi - render v7 ()"]
    warnings = [r.getMessage() for r in outcome.records if r.levelname == "WARNING"]
    assert any("{missing}" in w for w in warnings), warnings


def test_ayon_settings_export_with_legacy_template_and_family_requirements(
    admin, production, settings_file
):
    export = {
        "kitsu": {
            "server": "http://unused.invalid/api",
            "entities_naming_pattern": {"episode": "E##"},
            "publish": {
                "CollectKitsuEntities": {"enabled": True},
                "IntegrateKitsuNote": {
                    "enabled": True,
                    "optional": False,
                    "active": True,
                    "set_status_note": True,
                    "note_status_shortname": "wfa",
                    "status_change_conditions": {
                        "status_conditions": [{"condition": "equal", "short_name": "todo"}],
                        "family_requirements": [{"condition": "equal", "family": "render"}],
                    },
                    "custom_comment_template": {
                        "enabled": True,
                        "comment_template": "{comment} | {name}",
                    },
                },
            },
        }
    }
    settings_file(json.dumps(export), name="ayon-export.json")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([instance("renderMain", kitsuTaskId=task_id)], {"comment": "export"})

    assert outcome.errors() == []
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["export | renderMain"]
    assert kitsu_seed.status(admin, task_id) == "wfa"


def test_dry_run_logs_the_planned_note_and_posts_nothing(admin, production, monkeypatch):
    monkeypatch.setenv("KITSU_PUBLISH_DRY_RUN", "1")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([instance("renderMain", kitsuTaskId=task_id)], {"comment": "planned"})

    assert outcome.errors() == []
    assert kitsu_seed.comments(admin, task_id) == []
    assert kitsu_seed.status(admin, task_id) == "todo"
    assert [(n["text"], n["status_after"], n["posted"]) for n in outcome.notes] == [
        ("planned", "wfa", False)
    ]
    assert any(
        "Dry run" in r.getMessage() and "planned" in r.getMessage() for r in outcome.records
    )


def test_excluded_farm_and_untargeted_instances_take_no_part(admin, production):
    task_id = production.tasks["shot:Animation"]
    other = production.tasks["shot:Lighting"]

    outcome = publish(
        [
            instance("local", kitsuTaskId=task_id, comment="local one"),
            instance("off", kitsuTaskId=task_id, comment="excluded", publish=False),
            instance("farmed", kitsuTaskId=other, comment="on farm", farm=True),
            instance("notKitsu", "workfile"),
        ]
    )

    assert outcome.errors() == []
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["local one"]
    assert kitsu_seed.comments(admin, other) == []
    assert any("notKitsu has no Kitsu target" in r.getMessage() for r in outcome.records)


def test_instance_switched_on_after_collection_gets_its_note(admin, production):
    """pyblish-lite: the artist ticks an instance after collection, before publishing."""
    task_id = production.tasks["shot:Animation"]
    context = pyblish.api.Context()
    context.data["comment"] = "ticked late"
    item = context.create_instance("renderMain")
    item.data.update(instance("renderMain", kitsuTaskId=task_id, publish=False))
    plugins = discover()

    pyblish.util.collect(context, plugins=plugins)
    item.data["publish"] = True
    for stage in (pyblish.util.validate, pyblish.util.extract, pyblish.util.integrate):
        stage(context, plugins=plugins)

    assert [r["error"] for r in context.data["results"] if r["error"]] == []
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == ["ticked late"]


def test_disabled_settings_post_nothing_and_check_nothing(admin, production, settings_file):
    settings_file("[IntegrateKitsuNote]\nenabled = false\n")
    task_id = production.tasks["shot:Animation"]

    outcome = publish(
        [
            instance("renderMain", kitsuTaskId=task_id),
            instance("broken", kitsuProject=production.project),  # incomplete target
        ],
        {"comment": "c"},
    )

    assert outcome.errors() == []
    assert kitsu_seed.comments(admin, task_id) == []


def test_an_empty_comment_is_posted_with_a_warning(admin, production):
    task_id = production.tasks["shot:Animation"]

    outcome = publish([instance("renderMain", kitsuTaskId=task_id)], {"comment": ""})

    assert outcome.errors() == []
    warnings = [r.getMessage() for r in outcome.records if r.levelname == "WARNING"]
    assert any("has no comment: it is posted without one" in w for w in warnings), warnings
    assert [c["text"] for c in kitsu_seed.comments(admin, task_id)] == [""]


def test_require_comment_fails_validation_without_a_comment(admin, production, settings_file):
    settings_file("[IntegrateKitsuNote]\nrequire_comment = true\n")
    task_id = production.tasks["shot:Animation"]

    outcome = publish([instance("renderMain", kitsuTaskId=task_id)], {"comment": "  "})

    message = outcome.error_of("ValidateKitsuNote")
    assert "has no comment, and your studio requires one" in message
    assert message.endswith("Nothing was posted to Kitsu.")
    assert kitsu_seed.comments(admin, task_id) == []

    outcome = publish([instance("renderMain", kitsuTaskId=task_id)], {"comment": "done"})
    assert outcome.errors() == []
