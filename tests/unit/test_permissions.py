"""Zou's permission rules, read client-side (kitsu_publish.kitsu.permissions).

The table of docs/accounts.md, one row (or one edge of a row) per test; no server. The
integration test tests/integration/test_accounts.py checks the same rows against a real
Kitsu. ``check`` answers None when Kitsu would take the note, else a Refusal whose
``reason`` ("not assigned", "department", "status") says which rule refused; the
message is for the artist, so its wording is asserted where docs/accounts.md quotes it.
"""

from __future__ import annotations

import pytest

from kitsu_publish.kitsu import permissions
from kitsu_publish.kitsu.permissions import ROLE_NAMES, allowed_statuses, check, status_allowed
from kitsu_publish.model import Refusal

LABEL = "P / SQ010/SH010 / Animation"
ANIMATION = "dept-animation"
MODELING = "dept-modeling"
DEPARTMENTS = {ANIMATION: "Animation", MODELING: "Modeling"}

WFA = {"short_name": "wfa", "name": "Waiting For Approval"}
ARTIST_ONLY = {"short_name": "wip", "name": "Work In Progress", "is_client_allowed": False}
CLIENT_ONLY = {"short_name": "done", "name": "Done", "is_artist_allowed": False}
NOBODY = {
    "short_name": "lock",
    "name": "Locked",
    "is_artist_allowed": False,
    "is_client_allowed": False,
}


def person(
    role: str = "user", id: str = "me", departments=(), full_name: str = "Ann Artist", **more
) -> dict:
    return {
        "id": id,
        "role": role,
        "departments": list(departments),
        "full_name": full_name,
        **more,
    }


def task(assignees=(), department: str | None = ANIMATION, created_by: str = "someone") -> dict:
    return {
        "assignees": list(assignees),
        "task_type": {"name": "Animation", "department_id": department},
        "entity": {"name": "SH010", "created_by": created_by},
    }


def refused(*args, **kwargs) -> Refusal:
    refusal = check(*args, **kwargs)
    assert refusal is not None, "Kitsu would take this note"
    return refusal


# --- the roles' names ---------------------------------------------------------------------


def test_role_codes_are_named_as_in_the_kitsu_web_app():
    assert ROLE_NAMES == {
        "admin": "Studio Manager",
        "manager": "Production Manager",
        "supervisor": "Supervisor",
        "user": "Artist",
        "client": "Client",
        "vendor": "Vendor",
    }


def test_the_module_exports_the_refusal_of_the_model():
    assert permissions.Refusal is Refusal


# --- admin and manager --------------------------------------------------------------------


def test_an_admin_may_post_on_a_task_not_assigned_to_them_with_any_status():
    assert check(person("admin"), "admin", task(), NOBODY, LABEL) is None


def test_admin_is_the_global_role_whatever_the_project_role_given():
    assert check(person("admin"), "user", task(), NOBODY, LABEL) is None


def test_a_manager_may_post_on_any_task_of_the_project():
    assert check(person("manager"), "manager", task(), WFA, LABEL) is None


def test_a_manager_may_set_statuses_closed_to_artists_and_clients():
    assert check(person("manager"), "manager", task(), NOBODY, LABEL) is None


def test_the_project_role_counts_not_the_global_one():
    # a studio-wide manager who is an artist on this project's team
    refusal = refused(person("manager"), "user", task(), WFA, LABEL)
    assert refusal.reason == "not assigned"
    # and an artist who manages this project
    assert check(person("user"), "manager", task(), WFA, LABEL) is None


# --- artists --------------------------------------------------------------------------------


def test_an_artist_may_post_on_a_task_assigned_to_them():
    assert check(person(), "user", task(assignees=["me"]), WFA, LABEL) is None


def test_assignees_may_be_ids_or_person_records():
    assigned = task(assignees=[{"id": "other"}, {"id": "me", "full_name": "Ann Artist"}])
    assert check(person(), "user", assigned, WFA, LABEL) is None


def test_an_artist_may_not_post_on_a_task_not_assigned_to_them():
    refusal = refused(person(), "user", task(assignees=["other"]), WFA, LABEL)
    assert refusal == Refusal(
        "not assigned",
        f"Ann Artist is not assigned to the Kitsu task {LABEL}, and Kitsu lets artists post "
        "only on their own tasks: Kitsu would refuse the note. Ask your production manager "
        "to assign you to it, or publish to your own task.",
    )


def test_a_task_without_assignees_is_refused_to_an_artist():
    bare = {"task_type": {"department_id": ANIMATION}, "entity": {"created_by": "x"}}
    assert refused(person(), "user", bare, WFA, LABEL).reason == "not assigned"


def test_a_task_read_without_its_details_is_refused_to_an_artist_not_crashed_on():
    assert refused(person(), "user", {}, WFA, LABEL).reason == "not assigned"


def test_the_message_names_the_person_by_full_name_then_email_then_this_account():
    by_email = person(full_name="", email="ann@example.com")
    anonymous = person(full_name="")
    assert refused(by_email, "user", task(), WFA, LABEL).message.startswith(
        "ann@example.com is not assigned"
    )
    assert refused(anonymous, "user", task(), WFA, LABEL).message.startswith(
        "this account is not assigned"
    )


def test_the_creator_of_the_entity_may_post_on_its_tasks_unassigned():
    assert check(person(), "user", task(created_by="me"), WFA, LABEL) is None


def test_a_person_without_id_is_not_taken_for_the_creator_of_an_entity_without_one():
    nobody = {"role": "user", "full_name": "Bot"}
    no_creator = {"assignees": [], "entity": {}}
    assert refused(nobody, "user", no_creator, WFA, LABEL).reason == "not assigned"


def test_an_entity_given_as_a_bare_id_makes_no_one_its_creator():
    bare = {"assignees": [], "entity": "entity-id"}
    assert refused(person(), "user", bare, WFA, LABEL).reason == "not assigned"


def test_an_artist_may_not_set_a_status_closed_to_artists():
    refusal = refused(person(), "user", task(assignees=["me"]), CLIENT_ONLY, LABEL)
    assert refusal == Refusal(
        "status",
        f"the status 'done' (Done) is not available to artists in Kitsu, so Kitsu would "
        f"refuse the note on {LABEL}. Ask your TD to change note_status_shortname (or the "
        "status conditions) in the settings, or your production manager to allow 'Done' "
        "for artists in Kitsu.",
    )


def test_an_artist_may_not_keep_a_status_closed_to_artists_either():
    refusal = refused(
        person(), "user", task(assignees=["me"]), CLIENT_ONLY, LABEL, status_kept=True
    )
    assert refusal.reason == "status"
    assert refusal.message.startswith("the task's current status 'done' (Done) is not")


def test_an_artist_may_set_a_status_closed_only_to_clients():
    assert check(person(), "user", task(assignees=["me"]), ARTIST_ONLY, LABEL) is None


def test_being_unassigned_is_reported_before_the_status():
    refusal = refused(person(), "user", task(), CLIENT_ONLY, LABEL)
    assert refusal.reason == "not assigned"


def test_a_status_without_names_is_quoted_with_placeholders():
    refusal = refused(person(), "user", task(["me"]), {"is_artist_allowed": False}, LABEL)
    assert refusal.message.startswith("the status '?' (?) is not available to artists")
    named = {"short_name": "x", "is_artist_allowed": False}
    assert refused(person(), "user", task(["me"]), named, LABEL).message.startswith(
        "the status 'x' (x) is not"
    )


# --- supervisors --------------------------------------------------------------------------


def test_a_supervisor_may_post_on_a_task_of_their_department():
    boss = person("supervisor", departments=[MODELING, ANIMATION])
    assert check(boss, "supervisor", task(), WFA, LABEL) is None


def test_a_supervisor_without_a_department_may_post_on_any_task():
    assert check(person("supervisor"), "supervisor", task(), WFA, LABEL) is None


def test_a_supervisor_may_post_on_a_task_of_another_department_assigned_to_them():
    boss = person("supervisor", departments=[MODELING])
    assert check(boss, "supervisor", task(assignees=["me"]), WFA, LABEL) is None


def test_a_supervisor_who_created_the_entity_may_post_on_its_tasks():
    boss = person("supervisor", departments=[MODELING])
    assert check(boss, "supervisor", task(created_by="me"), WFA, LABEL) is None


def test_a_supervisor_may_not_post_on_a_task_of_another_department_not_assigned_to_them():
    boss = person("supervisor", departments=[MODELING], full_name="Sam Sup")
    refusal = refused(boss, "supervisor", task(), WFA, LABEL, department_names=DEPARTMENTS)
    assert refusal == Refusal(
        "department",
        f"Sam Sup supervises the Modeling department(s), but the Kitsu task {LABEL} belongs "
        "to the Animation department and is not assigned to Sam Sup: Kitsu would refuse "
        "the note. Ask your production manager to assign you to the task, or to add you "
        "to its department.",
    )


def test_a_supervisor_of_departments_may_not_post_on_a_task_type_without_department():
    boss = person("supervisor", departments=[MODELING])
    refusal = refused(
        boss, "supervisor", task(department=None), WFA, LABEL, department_names=DEPARTMENTS
    )
    assert refusal.reason == "department"
    assert "belongs to the no department" in refusal.message


def test_department_names_not_known_are_worded_as_another_and_unknown():
    boss = person("supervisor", departments=[MODELING, "dept-x"])
    refusal = refused(boss, "supervisor", task(), WFA, LABEL)  # no department names
    assert "supervises the ?, ? department(s)" in refusal.message
    assert "belongs to the another department" in refusal.message
    named = refused(boss, "supervisor", task(), WFA, LABEL, department_names=DEPARTMENTS)
    assert "supervises the Modeling, ? department(s)" in named.message


def test_a_task_type_given_as_a_bare_id_has_no_department():
    boss = person("supervisor", departments=[ANIMATION])
    bare = {"assignees": [], "task_type": ANIMATION, "entity": {}}
    assert refused(boss, "supervisor", bare, WFA, LABEL).reason == "department"


def test_a_supervisor_may_set_statuses_closed_to_artists_and_clients():
    assert check(person("supervisor"), "supervisor", task(), NOBODY, LABEL) is None


# --- clients and vendors -----------------------------------------------------------------


def test_a_client_may_post_on_any_task_of_the_project():
    assert check(person("client"), "client", task(), CLIENT_ONLY, LABEL) is None


def test_a_client_may_not_set_a_status_closed_to_clients():
    refusal = refused(person("client"), "client", task(), ARTIST_ONLY, LABEL)
    assert refusal.reason == "status"
    assert "is not available to clients in Kitsu" in refusal.message
    assert "allow 'Work In Progress' for clients in Kitsu." in refusal.message


def test_a_vendor_may_post_on_a_task_assigned_to_them():
    assert check(person("vendor"), "vendor", task(assignees=["me"]), NOBODY, LABEL) is None


def test_a_vendor_may_not_post_on_a_task_not_assigned_to_them():
    refusal = refused(person("vendor"), "vendor", task(), WFA, LABEL)
    assert refusal.reason == "not assigned"
    assert "Kitsu lets vendors post only on their own tasks" in refusal.message


def test_a_role_it_does_not_know_is_held_to_the_artists_rule():
    refusal = refused(person("user"), "intern", task(), WFA, LABEL)
    assert refusal.reason == "not assigned"
    assert "Kitsu lets interns post only on their own tasks" in refusal.message
    assert check(person("user"), "intern", task(assignees=["me"]), NOBODY, LABEL) is None


# --- statuses by role ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status", "allowed"),
    [
        ("user", WFA, True),
        ("user", ARTIST_ONLY, True),
        ("user", CLIENT_ONLY, False),
        ("client", CLIENT_ONLY, True),
        ("client", ARTIST_ONLY, False),
        ("manager", NOBODY, True),
        ("supervisor", NOBODY, True),
        ("vendor", NOBODY, True),
        ("admin", NOBODY, True),
    ],
)
def test_a_status_is_closed_only_to_the_role_whose_flag_is_off(role, status, allowed):
    assert status_allowed(role, status) is allowed


def test_a_status_without_the_flags_is_open_to_everyone():
    for role in ROLE_NAMES:
        assert status_allowed(role, {"short_name": "wfa"}) is True


def test_the_flags_are_read_as_truth_values():
    assert status_allowed("user", {"is_artist_allowed": 0}) is False
    assert status_allowed("client", {"is_client_allowed": None}) is False
    assert status_allowed("user", {"is_artist_allowed": 1}) is True


def test_allowed_statuses_keep_those_open_to_the_role_in_order():
    statuses = [WFA, CLIENT_ONLY, ARTIST_ONLY, NOBODY]
    assert allowed_statuses("user", statuses) == [WFA, ARTIST_ONLY]
    assert allowed_statuses("client", statuses) == [WFA, CLIENT_ONLY]
    assert allowed_statuses("manager", statuses) == statuses
