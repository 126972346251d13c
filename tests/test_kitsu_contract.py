"""The contract of ``KitsuSession``: the same assertions against the fake Kitsu of the
fast tests and against the real Zou, so that the fake cannot drift from the server.

Each backend builds the same world (a project with a shot task, an artist assigned to
it, a status artists may not set) and hands out sessions; every test runs on both. For
posting in someone's name (a farm job's), a backend also makes, when asked, a Production
Manager of the project and a second artist assigned to the task.
The Zou half carries the ``zou`` marker: ``pytest -m "not zou"`` runs the fake half.
"""

from __future__ import annotations

import logging
import struct
import time
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fake_kitsu import FakeWorld, department_id
from kitsu_publish import review, shots
from kitsu_publish.errors import ReviewFailed, StatusNotFound, TargetError
from kitsu_publish.kitsu import KitsuSession
from kitsu_publish.model import Delegation, Posted, Target, TaskInfo
from kitsu_publish.settings import Settings


class Backend:
    """A world with one project: ``task`` (assigned to the artist) and ``other`` (not)."""

    project: str
    entity: str  # SEQ/SHOT of both tasks
    task: str  # Animation
    other: str  # Lighting
    forbidden: str  # a status short name artists may not set
    artist_id: str  # the artist's Kitsu person id
    artist_name: str  # and full name

    def artist(self) -> KitsuSession:
        raise NotImplementedError

    def manager(self) -> KitsuSession:
        """A session of a Production Manager (global role ``manager``, in the team)."""
        raise NotImplementedError

    def colleague(self) -> tuple[str, str]:
        """Another artist, assigned to ``task``: (person id, full name)."""
        raise NotImplementedError

    def authors_of(self, task_id: str) -> list[str]:
        """The person ids of the task's stored comments, oldest first."""
        raise NotImplementedError

    def admin(self) -> KitsuSession:
        raise NotImplementedError

    def status_of(self, task_id: str) -> str:
        raise NotImplementedError

    def set_shot(self, nb_frames: int, **data: Any) -> None:
        """Give the shot of both tasks frame data, as production does in Kitsu."""
        raise NotImplementedError

    def set_project(self, **fields: Any) -> None:
        raise NotImplementedError

    def set_preview_status(self, preview_id: str, status: str) -> None:
        """As the server does it (``missing``: its storage maintenance found no file)."""
        raise NotImplementedError

    def delete_preview(self, preview_id: str) -> None:
        """As Kitsu does when it fails to process a movie."""
        raise NotImplementedError

    def department_id(self, name: str) -> str:
        raise NotImplementedError


class Fake(Backend):
    def __init__(self) -> None:
        self.world = FakeWorld()
        self.project, self.entity = "Contract", "SQ020/SH020"
        self.task = self.world.add_task(self.project, self.entity, "Animation")
        self.other = self.world.add_task(self.project, self.entity, "Lighting")
        self.forbidden = "apv" + uuid.uuid4().hex[:7]  # Zou: 10 characters at most, unique
        self.world.add_status(self.forbidden, "Approved " + self.forbidden, artist=False)
        self._artist = self.world.person("user", assign=[self.task])
        self.artist_id, self.artist_name = self._artist["id"], self._artist["full_name"]

    def artist(self) -> KitsuSession:
        return self.world.connect(self._artist)(Settings())

    def manager(self) -> KitsuSession:
        return self.world.connect(self.world.person("manager"))(Settings())

    def colleague(self) -> tuple[str, str]:
        made = self.world.person("user", assign=[self.task])
        return made["id"], made["full_name"]

    def authors_of(self, task_id: str) -> list[str]:
        return [c["person_id"] for c in self.world.comments.get(task_id, [])]

    def admin(self) -> KitsuSession:
        return self.world.connect()(Settings())

    def status_of(self, task_id: str) -> str:
        return self.world.status_of(task_id)

    def set_shot(self, nb_frames: int, **data: Any) -> None:
        self.world.set_shot(self.project, self.entity, nb_frames, **data)

    def set_project(self, **fields: Any) -> None:
        self.world.set_project(self.project, **fields)

    def set_preview_status(self, preview_id: str, status: str) -> None:
        next(p for p in self.world.previews if p["id"] == preview_id)["status"] = status

    def delete_preview(self, preview_id: str) -> None:
        self.world.previews[:] = [p for p in self.world.previews if p["id"] != preview_id]

    def department_id(self, name: str) -> str:
        return department_id(name)


class Zou(Backend):
    def __init__(self, zou: Any, admin: Any) -> None:
        import kitsu_seed

        self.zou, self.client = zou, admin
        production = kitsu_seed.seed(admin)
        self.project, self.entity = production.project, production.shot_path
        self.task = production.tasks["shot:Animation"]
        self.other = production.tasks["shot:Lighting"]
        self.forbidden = "apv" + uuid.uuid4().hex[:7]  # Zou: 10 characters at most, unique
        kitsu_seed.new_status(
            admin,
            "Approved " + self.forbidden,
            self.forbidden,
            is_artist_allowed=False,
            project=production.project,
        )
        self.person = kitsu_seed.new_person(
            admin, "user", project=production.project, assign=[self.task]
        )
        self.artist_id, self.artist_name = self.person.id, self.person.full_name
        self.people = [self.person.id]

    def _connect(self, email: str, password: str) -> KitsuSession:
        from kitsu_publish import kitsu

        env = {"KITSU_SERVER": self.zou.url, "KITSU_LOGIN": email, "KITSU_PWD": password}
        return kitsu.connect(Settings(), env)

    def artist(self) -> KitsuSession:
        return self._connect(self.person.email, self.person.password)

    def admin(self) -> KitsuSession:
        return self._connect(self.zou.email, self.zou.password)

    def _new_person(self, role: str, **kwargs: Any) -> Any:
        import kitsu_seed

        made = kitsu_seed.new_person(self.client, role, project=self.project, **kwargs)
        self.people.append(made.id)
        return made

    def manager(self) -> KitsuSession:
        made = self._new_person("manager")
        return self._connect(made.email, made.password)

    def colleague(self) -> tuple[str, str]:
        made = self._new_person("user", assign=[self.task])
        return made.id, made.full_name

    def authors_of(self, task_id: str) -> list[str]:
        import kitsu_seed

        return [c["person_id"] for c in kitsu_seed.comments(self.client, task_id)]

    def status_of(self, task_id: str) -> str:
        import kitsu_seed

        return kitsu_seed.status(self.client, task_id)

    def set_shot(self, nb_frames: int, **data: Any) -> None:
        import kitsu_seed

        kitsu_seed.set_shot_data(self.client, self.task, nb_frames=nb_frames, **data)

    def set_project(self, **fields: Any) -> None:
        import kitsu_seed

        kitsu_seed.set_project_format(self.client, self.project, **fields)

    def set_preview_status(self, preview_id: str, status: str) -> None:
        import kitsu_seed

        kitsu_seed.set_preview_status(self.client, preview_id, status)

    def delete_preview(self, preview_id: str) -> None:
        import kitsu_seed

        kitsu_seed.delete_preview(self.client, preview_id)

    def department_id(self, name: str) -> str:
        import kitsu_seed

        return str(kitsu_seed.department(self.client, name)["id"])

    def retire(self) -> None:
        import kitsu_seed

        for person_id in self.people:
            kitsu_seed.retire(self.client, person_id)


@pytest.fixture(params=["fake", pytest.param("zou", marks=pytest.mark.zou)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "fake":
        yield Fake()
        return
    built = Zou(request.getfixturevalue("zou"), request.getfixturevalue("admin"))
    try:
        yield built
    finally:
        built.retire()


@pytest.fixture
def artist(backend: Backend) -> Iterator[KitsuSession]:
    session = backend.artist()
    yield session
    session.close()


def by_id(task_id: str) -> Target:
    return Target("instance", task_id=task_id)


def test_a_session_is_a_kitsu_session_and_names_the_person(backend, artist):
    assert isinstance(artist, KitsuSession)
    assert artist.user and "@" in artist.user
    assert not artist.closed
    artist.close()
    assert artist.closed


def test_a_task_by_id_and_by_names_is_the_same_task_with_its_names(backend, artist):
    artist.read_targets([by_id(backend.task)])
    found = artist.resolve(by_id(backend.task))
    assert isinstance(found, TaskInfo)
    assert (found.id, found.project, found.entity) == (
        backend.task,
        backend.project,
        "SQ020/SH020",
    )
    assert (found.task_type, found.status) == ("Animation", "todo")
    named = Target("instance", None, backend.project, backend.entity.lower(), "animation")
    artist.read_targets([named])
    assert artist.resolve(named).id == backend.task
    assert found.data["project_id"] and found.data["entity"]["name"] == "SH020"
    assert found.id in artist.task_url(found) and "/tasks/" in artist.task_url(found)


@pytest.mark.parametrize(
    "target",
    [
        Target("instance", task_id="00000000-0000-0000-0000-000000000000"),
        Target("instance", None, "{project}", "SQ020/SH999", "Animation"),
        Target("instance", None, "{project}", "SQ020/SH020", "NoSuchType"),
    ],
    ids=["unknown id", "unknown shot", "unknown task type"],
)
def test_a_target_kitsu_does_not_have_is_a_target_error_naming_the_instance(
    backend, artist, target
):
    if target.project:
        target = Target("instance", None, backend.project, target.entity, target.task_type)
    artist.read_targets([target])
    with pytest.raises(TargetError) as raised:
        artist.resolve(target, "renderMain")
    assert raised.value.instance == "renderMain"


def test_statuses_are_found_by_short_name_in_any_case(backend, artist):
    assert artist.status("WFA")["short_name"] == "wfa"
    with pytest.raises(StatusNotFound) as raised:
        artist.status("nosuchstatus")
    assert raised.value.short_name == "nosuchstatus"


def test_the_preflight_is_what_kitsu_enforces_for_an_artist(backend, artist):
    mine = artist.resolve(by_id(backend.task))
    theirs = artist.resolve(by_id(backend.other))
    assert artist.preflight(mine, "wfa") is None
    refused = artist.preflight(theirs, "wfa")
    assert refused is not None and refused.reason == "not assigned"
    forbidden = artist.preflight(mine, backend.forbidden)
    assert forbidden is not None and forbidden.reason == "status"
    project = str(mine.data["project_id"])
    assert artist.project_role(project) == "user"
    settable = {s["short_name"] for s in artist.settable_statuses(project)}
    assert "wfa" in settable and backend.forbidden not in settable


def test_a_post_stores_the_comment_and_sets_the_status_read_fresh(backend, artist):
    task = artist.resolve(by_id(backend.task))
    posted = artist.post(task, "wfa", "contract: posted once")
    assert isinstance(posted, Posted)
    assert (posted.attempts, posted.reconciled) == (1, False)
    assert posted.comment["text"] == "contract: posted once" and posted.comment["id"]
    assert backend.status_of(backend.task) == "wfa"
    fresh = artist.fresh([task])
    assert set(fresh) == {backend.task} and fresh[backend.task].status == "wfa"
    assert fresh[backend.task].entity == task.entity


def test_a_post_carries_its_checklist_and_links_in_the_same_request(backend, artist):
    task = artist.resolve(by_id(backend.task))
    checklist = [
        {"text": "Frame range checked", "checked": False},
        {"text": "QC", "checked": True},
    ]
    links = ["https://farm.example.com/job/42", "http://review.example.com/a_b?x=1"]
    posted = artist.post(task, "wfa", "contract: extras", checklist=checklist, links=links)
    assert posted.comment["checklist"] == checklist
    assert posted.comment["links"] == links


def test_files_attached_to_a_posted_note_are_kitsus_attachments(backend, artist, tmp_path):
    task = artist.resolve(by_id(backend.task))
    posted = artist.post(task, "wfa", "contract: attached")
    paths = []
    for name in ("qc.pdf", "notes.txt"):
        paths.append(str(tmp_path / name))
        (tmp_path / name).write_bytes(b"contract " + name.encode())
    made = artist.attach(task, posted.comment["id"], paths, ("publish-report.txt", "report\n"))
    assert [a["name"] for a in made] == ["qc.pdf", "notes.txt", "publish-report.txt"]
    assert all(a["id"] for a in made)


def test_departments_and_the_projects_team_are_mentionable(backend, artist):
    task = artist.resolve(by_id(backend.task))
    found = artist.mentionable(task)
    assert found["Animation"] == "department"
    assert found[backend.artist_name] == "team member"


def test_a_post_keeps_the_department_and_the_team_member_it_mentions_by_id(backend, artist):
    task = artist.resolve(by_id(backend.task))
    colleague_id, colleague_name = backend.colleague()
    text = f"contract: mentions\n\n@Lighting @{colleague_name}"
    posted = artist.post(task, "wfa", text)
    assert posted.comment["department_mentions"] == [backend.department_id("Lighting")]
    assert posted.comment["mentions"] == [colleague_id]


def test_a_task_has_no_preview_revisions_before_any_upload(backend, artist):
    assert artist.existing_revisions([backend.task]) == {backend.task: set()}


def test_an_admin_may_post_anywhere(backend):
    admin = backend.admin()
    try:
        theirs = admin.resolve(by_id(backend.other))
        assert admin.preflight(theirs, backend.forbidden) is None
    finally:
        admin.close()


def test_a_shot_task_carries_the_shots_frame_data_and_the_projects_format(backend, artist):
    fresh = artist.resolve(by_id(backend.task))
    assert shots.describe(shots.kitsu_shot(fresh)) == (
        "SQ020/SH020: no frame range, 25 fps (the project's), 1920x1080 (the project's)"
    )
    backend.set_shot(100, frame_in=1001, frame_out=1100, fps="24")
    backend.set_project(resolution="2048x858", ratio="2.39")
    session = backend.artist()  # a new publish reads the records again
    try:
        named = Target("instance", None, backend.project, backend.entity, "Lighting")
        session.read_targets([by_id(backend.task), named])
        for found in (session.resolve(by_id(backend.task)), session.resolve(named)):
            shot = shots.kitsu_shot(found)
            assert (shot.is_shot, shot.cut, shot.nb_frames) == (True, (1001, 1100), 100)
            assert (shot.fps, shot.resolution) == ((24.0, "shot"), ((2048, 858), "project"))
            assert shot.ratio == "2.39"
    finally:
        session.close()


# --- review media: the project's preview settings, the ends of processing -------------


def png(path: Path, size: int = 16) -> str:
    """A grey square PNG, written with the standard library (Kitsu reads it with PIL)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return str(path)


LOG = logging.getLogger("contract")


def test_a_task_carries_its_projects_preview_settings(backend, artist):
    found = artist.resolve(by_id(backend.task))
    assert review.project_rules(found.data) == review.ProjectRules(backend.project)
    backend.set_project(is_single_preview_per_revision=True, is_set_preview_automated=True)
    session = backend.artist()  # a new publish reads the records again
    try:
        named = Target("instance", None, backend.project, backend.entity, "Lighting")
        session.read_targets([by_id(backend.task), named])
        mine = session.resolve(by_id(backend.task))
        for task in (mine, session.resolve(named), session.fresh([mine])[mine.id]):
            assert review.project_rules(task.data) == review.ProjectRules(
                backend.project, single_preview_per_revision=True, preview_automated=True
            )
    finally:
        session.close()


def test_one_preview_per_revision_refuses_an_extra_preview_naming_the_setting(
    backend, artist, tmp_path
):
    backend.set_project(is_single_preview_per_revision=True)
    task = artist.resolve(by_id(backend.task))
    comment = artist.post(task, "wfa", "contract: one preview").comment["id"]
    file = png(tmp_path / "frame.png")
    first = artist.upload(task.id, comment, file, task.label, LOG)
    with pytest.raises(ReviewFailed) as raised:
        artist.upload(task.id, comment, file, task.label, LOG, reference=first["id"])
    assert str(raised.value) == review.single_preview_refused("frame.png", task.label)


@pytest.mark.parametrize("end", ["missing", "deleted"])
def test_a_preview_missing_or_deleted_during_the_wait_ends_it_at_once(
    backend, artist, tmp_path, end
):
    task = artist.resolve(by_id(backend.task))
    comment = artist.post(task, "wfa", f"contract: {end}").comment["id"]
    preview = artist.upload(task.id, comment, png(tmp_path / "frame.png"), task.label, LOG)
    if end == "missing":
        backend.set_preview_status(preview["id"], "missing")
    else:
        backend.delete_preview(preview["id"])
    started = time.monotonic()

    [found] = artist.wait_processed([preview], LOG)

    assert (found["id"], found["status"]) == (preview["id"], end)
    assert time.monotonic() - started < 5  # not the processing wait of 300 s


# --- posting in someone's name (a farm job's) ------------------------------------------


@pytest.fixture
def manager(backend: Backend) -> Iterator[KitsuSession]:
    session = backend.manager()
    yield session
    session.close()


def test_a_session_knows_its_person_its_role_and_that_it_is_no_bot(backend, artist, manager):
    assert artist.person_id == backend.artist_id
    found = artist.identity()
    assert (found["id"], found["role"], found["is_bot"]) == (backend.artist_id, "user", False)
    assert (manager.identity()["id"], manager.identity()["role"]) == (manager.person_id, "manager")
    assert manager.person_id not in ("", backend.artist_id)


def test_acting_for_a_person_kitsu_does_not_know_is_a_target_error(backend, manager):
    with pytest.raises(TargetError) as raised:
        manager.act_for("00000000-0000-0000-0000-000000000000")
    assert "KITSU_PUBLISH_ON_BEHALF_OF" in str(raised.value)
    assert manager.delegation(manager.resolve(by_id(backend.task))) is None


def test_a_manager_posting_for_the_artist_makes_the_artist_the_author(backend, manager):
    task = manager.resolve(by_id(backend.task))
    assert manager.delegation(task) is None  # for itself until told
    assert manager.preflight(task, backend.forbidden) is None  # a manager may set it

    assert manager.act_for(backend.artist_id) == backend.artist_name

    found = manager.delegation(task)
    assert found == Delegation(backend.artist_id, backend.artist_name, as_author=True)
    refused = manager.preflight(task, backend.forbidden)  # ... the artist may not
    assert refused is not None and refused.reason == "status"
    assert f"in the name of {backend.artist_name}" in refused.message
    assert manager.preflight(task, "wfa") is None
    posted = manager.post(task, "wfa", "contract: for the artist")
    assert posted.comment["person_id"] == backend.artist_id
    assert backend.authors_of(backend.task) == [backend.artist_id]
    assert backend.status_of(backend.task) == "wfa"


def test_an_artist_posting_for_someone_stays_the_author(backend, artist):
    colleague, name = backend.colleague()
    task = artist.resolve(by_id(backend.task))

    assert artist.act_for(colleague) == name

    assert artist.delegation(task) == Delegation(colleague, name, as_author=False)
    posted = artist.post(task, "wfa", "contract: for a colleague")
    assert posted.comment["person_id"] == backend.artist_id
    assert backend.authors_of(backend.task) == [backend.artist_id]
