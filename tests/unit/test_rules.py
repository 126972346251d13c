"""The status-change semantics of docs/semantics.md, one row per test.

For one task with current status S and product types P:

- ``status_ok = (E is empty or S in E) and S not in N``
- ``product_ok = any((E' is empty or p in E') and p not in N' for p in P)``
- the status changes to ``note_status_shortname`` iff
  ``set_status_note and status_ok and product_ok``; all comparisons ignore case.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from kitsu_publish import rules, settings
from kitsu_publish.settings import Condition, Settings

TARGET = "wfa"


def make(
    status_conditions=(),
    product_type_requirements=(),
    set_status_note=True,
    target=TARGET,
) -> Settings:
    """Settings with the given ``(condition, value)`` pairs."""
    return replace(
        Settings(),
        set_status_note=set_status_note,
        note_status_shortname=target,
        status_conditions=tuple(Condition(c, v) for c, v in status_conditions),
        product_type_requirements=tuple(Condition(c, v) for c, v in product_type_requirements),
    )


def assert_changes(decision: rules.Decision, before: str, after: str = TARGET) -> None:
    assert decision.change is True, decision.reason
    assert decision.status_before == before
    assert decision.status_after == after


def assert_keeps(decision: rules.Decision, before: str) -> None:
    assert decision.change is False, decision.reason
    assert decision.status_before == before
    assert decision.status_after == before


# --- no conditions, set_status_note ------------------------------------------------


def test_no_conditions_changes_status_to_note_status_shortname():
    assert_changes(rules.decide(make(), "todo", ["render"]), "todo")


def test_default_settings_change_status_to_wfa():
    decision = rules.decide(Settings(), "wip", ["model"])
    assert_changes(decision, "wip", "wfa")


def test_status_after_is_the_configured_target_status():
    decision = rules.decide(make(target="done"), "wip", ["render"])
    assert_changes(decision, "wip", "done")


def test_set_status_note_false_keeps_status_without_conditions():
    assert_keeps(rules.decide(make(set_status_note=False), "wip", ["render"]), "wip")


def test_set_status_note_false_keeps_status_even_when_all_conditions_pass():
    s = make(
        status_conditions=[("equal", "wip")],
        product_type_requirements=[("equal", "render")],
        set_status_note=False,
    )
    assert_keeps(rules.decide(s, "wip", ["render"]), "wip")


def test_set_status_note_false_reason_names_the_setting():
    decision = rules.decide(make(set_status_note=False), "wip", ["render"])
    assert "set_status_note" in decision.reason
    assert "'wip'" in decision.reason


# --- status conditions --------------------------------------------------------------


def test_single_equal_status_changes_when_status_matches():
    s = make(status_conditions=[("equal", "wip")])
    assert_changes(rules.decide(s, "wip", ["render"]), "wip")


def test_single_equal_status_keeps_when_status_differs():
    s = make(status_conditions=[("equal", "wip")])
    assert_keeps(rules.decide(s, "todo", ["render"]), "todo")


@pytest.mark.parametrize("status", ["wip", "retake"])
def test_several_equal_statuses_are_an_allow_list_any_of_them_changes(status):
    s = make(status_conditions=[("equal", "wip"), ("equal", "retake")])
    assert_changes(rules.decide(s, status, ["render"]), status)


def test_several_equal_statuses_keep_status_not_in_allow_list():
    s = make(status_conditions=[("equal", "wip"), ("equal", "retake")])
    assert_keeps(rules.decide(s, "todo", ["render"]), "todo")


def test_single_not_equal_status_keeps_when_status_matches():
    s = make(status_conditions=[("not_equal", "done")])
    assert_keeps(rules.decide(s, "done", ["render"]), "done")


def test_single_not_equal_status_changes_when_status_differs():
    s = make(status_conditions=[("not_equal", "done")])
    assert_changes(rules.decide(s, "wip", ["render"]), "wip")


@pytest.mark.parametrize("status", ["done", "approved"])
def test_several_not_equal_statuses_are_a_deny_list_any_of_them_keeps(status):
    s = make(status_conditions=[("not_equal", "done"), ("not_equal", "approved")])
    assert_keeps(rules.decide(s, status, ["render"]), status)


def test_several_not_equal_statuses_change_status_in_none_of_them():
    s = make(status_conditions=[("not_equal", "done"), ("not_equal", "approved")])
    assert_changes(rules.decide(s, "wip", ["render"]), "wip")


def test_equal_and_not_equal_mixed_changes_status_allowed_and_not_denied():
    s = make(status_conditions=[("equal", "wip"), ("equal", "retake"), ("not_equal", "done")])
    assert_changes(rules.decide(s, "retake", ["render"]), "retake")


def test_equal_and_not_equal_mixed_keeps_status_outside_allow_list():
    s = make(status_conditions=[("equal", "wip"), ("not_equal", "done")])
    assert_keeps(rules.decide(s, "todo", ["render"]), "todo")


def test_equal_and_not_equal_on_same_status_deny_wins():
    s = make(status_conditions=[("equal", "wip"), ("not_equal", "wip")])
    assert_keeps(rules.decide(s, "wip", ["render"]), "wip")


def test_equal_and_not_equal_mixed_keeps_denied_status_even_if_allowed():
    s = make(status_conditions=[("equal", "wip"), ("equal", "done"), ("not_equal", "done")])
    assert_keeps(rules.decide(s, "done", ["render"]), "done")
    assert_changes(rules.decide(s, "wip", ["render"]), "wip")


def test_status_conditions_ignore_case_of_current_status():
    s = make(status_conditions=[("equal", "wip")])
    assert_changes(rules.decide(s, "WIP", ["render"]), "WIP")


def test_status_conditions_ignore_case_of_condition_value():
    s = make(status_conditions=[("equal", "WiP")])
    assert_changes(rules.decide(s, "wip", ["render"]), "wip")


def test_not_equal_status_ignores_case_on_both_sides():
    s = make(status_conditions=[("not_equal", "Done")])
    assert_keeps(rules.decide(s, "DONE", ["render"]), "DONE")
    assert_keeps(rules.decide(s, "done", ["render"]), "done")


# --- product-type requirements ------------------------------------------------------


def test_not_equal_workfile_keeps_status_when_only_workfile():
    s = make(product_type_requirements=[("not_equal", "workfile")])
    assert_keeps(rules.decide(s, "wip", ["workfile"]), "wip")


def test_not_equal_workfile_changes_status_when_render_comes_with_it():
    s = make(product_type_requirements=[("not_equal", "workfile")])
    assert_changes(rules.decide(s, "wip", ["workfile", "render"]), "wip")


def test_not_equal_workfile_changes_status_whatever_the_publish_order():
    s = make(product_type_requirements=[("not_equal", "workfile")])
    assert_changes(rules.decide(s, "wip", ["render", "workfile"]), "wip")


def test_not_equal_workfile_keeps_status_for_several_workfile_instances():
    s = make(product_type_requirements=[("not_equal", "workfile")])
    assert_keeps(rules.decide(s, "wip", ["workfile", "workfile"]), "wip")


def test_several_not_equal_product_types_keep_status_when_all_products_denied():
    s = make(product_type_requirements=[("not_equal", "workfile"), ("not_equal", "camera")])
    assert_keeps(rules.decide(s, "wip", ["workfile", "camera"]), "wip")
    assert_changes(rules.decide(s, "wip", ["workfile", "camera", "model"]), "wip")


def test_equal_review_changes_status_when_review_is_among_products():
    s = make(product_type_requirements=[("equal", "review")])
    assert_changes(rules.decide(s, "wip", ["workfile", "review"]), "wip")


def test_equal_review_keeps_status_when_no_review_is_published():
    s = make(product_type_requirements=[("equal", "review")])
    assert_keeps(rules.decide(s, "wip", ["workfile", "render"]), "wip")


def test_equal_review_is_not_stopped_by_the_first_entry():
    # The old integrations stopped at the first requirement entry.
    s = make(product_type_requirements=[("equal", "render"), ("equal", "review")])
    assert_changes(rules.decide(s, "wip", ["review"]), "wip")


def test_several_equal_product_types_are_an_allow_list():
    s = make(product_type_requirements=[("equal", "render"), ("equal", "review")])
    assert_changes(rules.decide(s, "wip", ["render"]), "wip")
    assert_keeps(rules.decide(s, "wip", ["model"]), "wip")


def test_product_equal_and_not_equal_mixed_need_one_product_passing_both():
    s = make(product_type_requirements=[("equal", "review"), ("not_equal", "workfile")])
    assert_changes(rules.decide(s, "wip", ["workfile", "review"]), "wip")
    assert_keeps(rules.decide(s, "wip", ["workfile", "render"]), "wip")


def test_product_type_requirements_ignore_case_of_product_type():
    s = make(product_type_requirements=[("equal", "review")])
    assert_changes(rules.decide(s, "wip", ["Review"]), "wip")


def test_product_type_requirements_ignore_case_of_requirement_value():
    s = make(product_type_requirements=[("not_equal", "WorkFile")])
    assert_keeps(rules.decide(s, "wip", ["WORKFILE"]), "wip")
    assert_keeps(rules.decide(s, "wip", ["workfile"]), "wip")


def test_no_product_type_requirements_accept_any_product():
    assert_changes(rules.decide(make(), "wip", ["workfile"]), "wip")


def test_no_product_types_at_all_keep_status():
    # product_ok = "there is a p in P ...": with P empty there is none.
    assert_keeps(rules.decide(make(), "wip", []), "wip")


def test_instance_without_product_type_counts_as_a_product_when_no_requirements():
    assert_changes(rules.decide(make(), "wip", [""]), "wip")


def test_instance_without_product_type_fails_an_equal_requirement():
    s = make(product_type_requirements=[("equal", "review")])
    assert_keeps(rules.decide(s, "wip", [""]), "wip")


def test_status_and_product_conditions_both_must_pass():
    s = make(
        status_conditions=[("equal", "wip")],
        product_type_requirements=[("not_equal", "workfile")],
    )
    assert_changes(rules.decide(s, "wip", ["render"]), "wip")
    assert_keeps(rules.decide(s, "todo", ["render"]), "todo")
    assert_keeps(rules.decide(s, "wip", ["workfile"]), "wip")


def test_product_types_accept_any_iterable_such_as_a_generator():
    s = make(product_type_requirements=[("equal", "review")])
    products = (p for p in ["workfile", "review"])
    assert_changes(rules.decide(s, "wip", products), "wip")


# --- reasons ---------------------------------------------------------------------


def test_reason_names_status_and_allowed_list_when_status_not_allowed():
    s = make(status_conditions=[("equal", "wip"), ("equal", "retake")])
    reason = rules.decide(s, "todo", ["render"]).reason
    assert "'todo'" in reason
    assert "not in allowed" in reason
    assert reason == "status 'todo' is not in allowed [wip, retake]: status kept"


def test_reason_names_status_and_denied_list_when_status_denied():
    s = make(status_conditions=[("not_equal", "done"), ("not_equal", "approved")])
    reason = rules.decide(s, "done", ["render"]).reason
    assert "'done'" in reason
    assert "denied" in reason
    assert "[done, approved]" in reason


def test_reason_names_product_types_and_requirement_when_no_product_passes():
    s = make(product_type_requirements=[("not_equal", "workfile")])
    reason = rules.decide(s, "wip", ["workfile"]).reason
    assert "[workfile]" in reason
    assert "denied [workfile]" in reason
    assert "kept" in reason


def test_reason_of_a_change_names_both_statuses():
    reason = rules.decide(make(target="wfa"), "wip", ["render"]).reason
    assert "'wip' -> 'wfa'" in reason
    assert "'render'" in reason


def test_decision_from_parsed_settings_matches_dataclass_settings():
    parsed = settings.parse(
        {
            "IntegrateKitsuNote": {
                "note_status_shortname": "wfa",
                "status_change_conditions": {
                    "status_conditions": [
                        {"condition": "equal", "short_name": "wip"},
                        {"condition": "equal", "short_name": "retake"},
                    ],
                    "product_type_requirements": [
                        {"condition": "not_equal", "product_type": "workfile"}
                    ],
                },
            }
        }
    )
    assert_changes(rules.decide(parsed, "Retake", ["workfile", "render"]), "Retake")
    assert_keeps(rules.decide(parsed, "todo", ["render"]), "todo")
    assert_keeps(rules.decide(parsed, "wip", ["workfile"]), "wip")


# --- the table of docs/semantics.md, reasons word for word ---------------------------


SEMANTICS_ROWS = [
    # (row, status conditions, product requirements, S, P, target, outcome, reason)
    (1, [], [], "todo", ["render"], "wfa", "wfa",
     "status 'todo' and product type 'render' meet the conditions: status 'todo' -> 'wfa'"),
    (2, [("equal", "wip"), ("equal", "retake")], [], "retake", ["render"], "wfa", "wfa",
     "status 'retake' and product type 'render' meet the conditions: "
     "status 'retake' -> 'wfa'"),
    (3, [("equal", "wip"), ("equal", "retake")], [], "todo", ["render"], "wfa", "kept",
     "status 'todo' is not in allowed [wip, retake]: status kept"),
    (4, [("not_equal", "done"), ("not_equal", "wfa")], [], "wfa", ["render"], "wfa", "kept",
     "status 'wfa' is in denied [done, wfa]: status kept"),
    (5, [("not_equal", "done"), ("not_equal", "wfa")], [], "wip", ["render"], "wfa", "wfa",
     "status 'wip' and product type 'render' meet the conditions: status 'wip' -> 'wfa'"),
    (6, [("equal", "wip"), ("not_equal", "wip")], [], "wip", ["render"], "wfa", "kept",
     "status 'wip' is in denied [wip]: status kept"),
    (7, [("equal", "WIP")], [], "Wip", ["Render"], "wfa", "wfa",
     "status 'Wip' and product type 'Render' meet the conditions: status 'Wip' -> 'wfa'"),
    (8, [], [("not_equal", "workfile")], "wip", ["workfile"], "wfa", "kept",
     "no product type of [workfile] passes the requirements (denied [workfile]): "
     "status kept"),
    (9, [], [("not_equal", "workfile")], "wip", ["workfile", "render"], "wfa", "wfa",
     "status 'wip' and product type 'render' meet the conditions: status 'wip' -> 'wfa'"),
    (10, [], [("equal", "render"), ("equal", "review")], "wip", ["model"], "wfa", "kept",
     "no product type of [model] passes the requirements (allowed [render, review]): "
     "status kept"),
    (11, [], [("equal", "render"), ("equal", "review")], "wip", ["model", "review"], "wfa",
     "wfa",
     "status 'wip' and product type 'review' meet the conditions: status 'wip' -> 'wfa'"),
    (12, [], [("not_equal", "WorkFile")], "wip", ["workfile"], "wfa", "kept",
     "no product type of [workfile] passes the requirements (denied [workfile]): "
     "status kept"),
    (13, [], [("equal", "render")], "wip", [""], "wfa", "kept",
     "no product type of [(none)] passes the requirements (allowed [render]): status kept"),
    (15, [], [], "wip", ["render"], "Retake", "Retake",
     "status 'wip' and product type 'render' meet the conditions: status 'wip' -> 'Retake'"),
    (16, [], [], "wfa", ["render"], "wfa", "wfa",
     "status 'wfa' and product type 'render' meet the conditions: status 'wfa' -> 'wfa'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status_conditions", "requirements", "status", "products", "target", "outcome", "reason"),
    [pytest.param(*row[1:], id=f"row {row[0]}") for row in SEMANTICS_ROWS],
)
def test_each_row_of_the_semantics_table_gives_its_outcome_and_reason(
    status_conditions, requirements, status, products, target, outcome, reason
):
    s = make(status_conditions, requirements, target=target)
    decision = rules.decide(s, status, products)
    if outcome == "kept":
        assert decision == rules.Decision(False, status, status, reason)
    else:
        assert decision == rules.Decision(True, status, outcome, reason)


def test_semantics_row_14_set_status_note_off_keeps_the_status_whatever_the_conditions():
    s = make([("equal", "wip")], set_status_note=False)
    assert rules.decide(s, "wip", ["render"]) == rules.Decision(
        False, "wip", "wip", "set_status_note is off (status 'wip'): status kept"
    )


def test_a_product_reason_names_both_lists_when_both_are_set():
    s = make(product_type_requirements=[("equal", "render"), ("not_equal", "Render")])
    reason = rules.decide(s, "wip", ["render", "model"]).reason
    assert reason == (
        "no product type of [render, model] passes the requirements "
        "(allowed [render], denied [render]): status kept"
    )


def test_with_no_product_type_at_all_the_reason_names_no_requirement():
    assert rules.decide(make(), "wip", []).reason == (
        "no product type of [] passes the requirements (none): status kept"
    )


def test_the_reason_names_the_first_passing_product_type_in_publish_order():
    s = make(product_type_requirements=[("not_equal", "workfile")])
    reason = rules.decide(s, "wip", ["workfile", "review", "render"]).reason
    assert reason.startswith("status 'wip' and product type 'review' meet the conditions")


def test_the_reason_lists_each_product_type_once_in_publish_order():
    s = make(product_type_requirements=[("equal", "render")])
    reason = rules.decide(s, "wip", ["model", "workfile", "model"]).reason
    assert "no product type of [model, workfile] passes" in reason


def test_the_reason_lists_each_condition_value_once_lower_cased_in_settings_order():
    s = make(status_conditions=[("equal", "Retake"), ("equal", "wip"), ("equal", "RETAKE")])
    reason = rules.decide(s, "todo", ["render"]).reason
    assert reason == "status 'todo' is not in allowed [retake, wip]: status kept"


def test_a_missing_product_type_counts_as_an_empty_one():
    s = make(product_type_requirements=[("equal", "render")])
    decision = rules.decide(s, "wip", [None, ""])
    assert decision.reason == (
        "no product type of [(none)] passes the requirements (allowed [render]): status kept"
    )
    assert_changes(rules.decide(make(), "wip", [None]), "wip")


def test_a_decision_is_a_value_that_cannot_be_changed():
    decision = rules.decide(make(), "wip", ["render"])
    assert decision == rules.decide(make(), "wip", ["render"])
    assert hash(decision) == hash(rules.decide(make(), "wip", ["render"]))
    with pytest.raises(AttributeError):
        decision.change = False  # type: ignore[misc]
