"""Which files of a publish are review media, and are they fit for Kitsu (kitsu_publish.review).

docs/review.md: an instance's media are its ``representations`` tagged ``kitsureview``
(``published_path``, else ``stagingDir`` joined with the first of ``files``), then the
paths in ``kitsuReview``; a path given twice counts once. ``check`` answers None for a
file Kitsu takes, else the problem in words for the artist. No server: files in
``tmp_path``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kitsu_publish import review
from kitsu_publish.review import MAX_UPLOAD_BYTES, Medium, check, kind, media_of

GIB = 1024**3

# Zou 1.0.97: pictures and movies become previews, these other types are stored as is
PICTURES = ["jpe", "jpeg", "jpg", "png"]
MOVIES = ["avi", "m4v", "mkv", "mov", "mp4", "webm", "wmv"]
FILES = [
    "ae", "ai", "blend", "clip", "comp", "diff", "exr", "fbx", "fla", "flv", "gif", "glb",
    "gltf", "hip", "kra", "ma", "mb", "mp3", "obj", "pdf", "psd", "rar", "sbbkp", "svg",
    "swf", "tga", "tif", "tiff", "usd", "usda", "usdc", "usdz", "wav", "zip",
]  # fmt: skip


def tagged(**representation) -> dict:
    return {"tags": ["review", "kitsureview"], **representation}


def paths(media: list[Medium]) -> list[str]:
    return [m.path for m in media]


def write(path: Path, data: bytes = b"data") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


# --- kind: what Kitsu takes --------------------------------------------------------------


@pytest.mark.parametrize("extension", PICTURES)
def test_pictures_become_previews(extension):
    assert kind(f"/renders/frame.{extension}") == "picture"


@pytest.mark.parametrize("extension", MOVIES)
def test_movies_become_previews(extension):
    assert kind(f"/renders/playblast.{extension}") == "movie"


@pytest.mark.parametrize("extension", FILES)
def test_other_known_types_are_stored_as_they_are(extension):
    assert kind(f"/work/scene.{extension}") == "file"


def test_the_extension_sets_are_those_of_zou_1_0_97_and_do_not_overlap():
    assert sorted(review.PICTURE_EXTENSIONS) == PICTURES
    assert sorted(review.MOVIE_EXTENSIONS) == MOVIES
    assert sorted(review.FILE_EXTENSIONS) == FILES
    assert not set(PICTURES) & set(MOVIES) | set(MOVIES) & set(FILES) | set(PICTURES) & set(FILES)


@pytest.mark.parametrize("path", ["shot.PNG", "shot.Mov", "C:\\renders\\shot.MP4"])
def test_the_extension_is_read_ignoring_case(path):
    assert kind(path) in ("picture", "movie")


@pytest.mark.parametrize(
    "path", ["notes.txt", "scene.nk", "frames.tar.gz", "README", "/renders/.png", "mov", ""]
)
def test_any_other_file_is_refused(path):
    assert kind(path) is None


def test_only_the_last_extension_counts():
    assert kind("shot.mov.txt") is None
    assert kind("shot.txt.mov") == "movie"


# --- media_of: representations ------------------------------------------------------------


def test_a_tagged_representation_gives_its_published_path_named_by_the_representation():
    data = {"representations": [tagged(name="playblast", published_path="/pub/sh010.mov")]}
    assert media_of(data, "animMain") == [
        Medium("/pub/sh010.mov", "animMain", "representation 'playblast'")
    ]


def test_a_representation_without_the_tag_is_not_review_media():
    data = {
        "representations": [
            {"name": "abc", "published_path": "/pub/a.abc", "tags": ["review"]},
            {"name": "ma", "published_path": "/pub/a.ma"},
            {"name": "mov", "published_path": "/pub/a.mov", "tags": None},
        ]
    }
    assert media_of(data, "animMain") == []


def test_untagged_and_malformed_representations_do_not_stop_the_search():
    data = {
        "representations": [
            "not a mapping",
            {"name": "ma", "published_path": "/pub/a.ma"},
            tagged(name="mov", published_path="/pub/a.mov"),
        ]
    }
    assert paths(media_of(data, "a")) == ["/pub/a.mov"]


def test_the_staging_dir_joined_with_the_files_when_nothing_was_published():
    data = {"representations": [tagged(name="mov", stagingDir="/stage", files="sh010.mov")]}
    assert paths(media_of(data, "a")) == [os.path.join("/stage", "sh010.mov")]


def test_the_published_path_wins_over_the_staging_dir():
    representation = tagged(
        name="mov", published_path="/pub/a.mov", stagingDir="/stage", files="b.mov"
    )
    assert paths(media_of({"representations": [representation]}, "a")) == ["/pub/a.mov"]


def test_a_sequence_gives_its_first_file_in_name_order():
    frames = ["sh010.1003.png", "sh010.1001.png", "sh010.1002.png"]
    data = {"representations": [tagged(name="png", stagingDir="/stage", files=frames)]}
    assert paths(media_of(data, "a")) == [os.path.join("/stage", "sh010.1001.png")]


def test_a_one_file_list_gives_that_file():
    data = {"representations": [tagged(name="png", stagingDir="/stage", files=["f.png"])]}
    assert paths(media_of(data, "a")) == [os.path.join("/stage", "f.png")]


def test_the_staging_dir_may_be_a_path_object():
    data = {"representations": [tagged(name="mov", stagingDir=Path("/stage"), files="a.mov")]}
    assert paths(media_of(data, "a")) == [os.path.join("/stage", "a.mov")]


@pytest.mark.parametrize(
    "representation",
    [
        tagged(name="mov", files="a.mov"),
        tagged(name="mov", stagingDir="/stage"),
        tagged(name="mov", stagingDir="/stage", files=[]),
        tagged(name="mov", stagingDir="/stage", files=""),
        tagged(name="mov", stagingDir="/stage", files=[1001, 1002]),
        tagged(name="mov", stagingDir="/stage", files=[1001, "a.mov"]),
        tagged(name="mov", stagingDir="/stage", files=["a.mov", 1001]),  # not sortable
        tagged(name="mov", stagingDir="/stage", files={"a.mov": 1}),
        tagged(name="mov", stagingDir="", files="a.mov", published_path=""),
    ],
)
def test_a_tagged_representation_with_no_usable_path_is_kept_with_an_empty_path(
    representation,
):
    # check() then tells the artist what is missing
    assert media_of({"representations": [representation]}, "a") == [
        Medium("", "a", "representation 'mov'")
    ]


def test_a_representation_is_named_by_name_then_ext_then_a_question_mark():
    data = {
        "representations": [
            tagged(name="playblast", ext="mov", published_path="/p/1.mov"),
            tagged(ext="mp4", published_path="/p/2.mp4"),
            tagged(published_path="/p/3.png"),
        ]
    }
    sources = [m.source for m in media_of(data, "a")]
    assert sources == ["representation 'playblast'", "representation 'mp4'", "representation '?'"]


def test_an_instance_without_representations_or_review_paths_has_no_media():
    assert media_of({}, "a") == []
    assert media_of({"representations": None, "kitsuReview": None}, "a") == []


def test_a_medium_is_a_value():
    one = Medium("/pub/a.mov", "a", "kitsuReview[0]")
    assert one == Medium("/pub/a.mov", "a", "kitsuReview[0]")
    assert len({one, Medium("/pub/a.mov", "a", "kitsuReview[0]")}) == 1
    with pytest.raises(AttributeError):
        one.path = "/elsewhere.mov"  # type: ignore[misc]


# --- media_of: kitsuReview ------------------------------------------------------------------


def test_review_paths_are_named_by_their_index_and_come_after_the_representations():
    data = {
        "kitsuReview": ["/r/one.mov", "/r/two.png"],
        "representations": [tagged(name="mov", published_path="/pub/a.mov")],
    }
    media = media_of(data, "compMain")
    assert media == [
        Medium("/pub/a.mov", "compMain", "representation 'mov'"),
        Medium("/r/one.mov", "compMain", "kitsuReview[0]"),
        Medium("/r/two.png", "compMain", "kitsuReview[1]"),
    ]


def test_a_single_review_path_may_be_given_as_text():
    assert media_of({"kitsuReview": "/r/one.mov"}, "a") == [
        Medium("/r/one.mov", "a", "kitsuReview[0]")
    ]


def test_review_paths_may_be_path_objects():
    assert paths(media_of({"kitsuReview": [Path("/r/one.mov")]}, "a")) == ["/r/one.mov"]


def test_review_paths_that_are_not_a_list_are_ignored():
    assert media_of({"kitsuReview": 42}, "a") == []


# --- media_of: duplicates -----------------------------------------------------------------------


def test_a_path_given_twice_is_kept_once_where_it_first_appears():
    data = {
        "representations": [tagged(name="mov", published_path="/pub/a.mov")],
        "kitsuReview": ["/pub/a.mov", "/pub/b.mov", "/pub/b.mov"],
    }
    media = media_of(data, "a")
    assert [(m.path, m.source) for m in media] == [
        ("/pub/a.mov", "representation 'mov'"),
        ("/pub/b.mov", "kitsuReview[1]"),
    ]


def test_paths_are_compared_normalised():
    data = {"kitsuReview": ["/pub/a.mov", "/pub/x/../a.mov", "/pub//a.mov"]}
    assert paths(media_of(data, "a")) == ["/pub/a.mov"]


def test_media_without_a_path_are_all_kept():
    data = {"representations": [tagged(name="one"), tagged(name="two")], "kitsuReview": [""]}
    media = media_of(data, "a")
    assert [m.source for m in media] == [
        "representation 'one'",
        "representation 'two'",
        "kitsuReview[0]",
    ]


# --- check: is the file fit ----------------------------------------------------------------------


def medium(path: str, source: str = "representation 'mov'") -> Medium:
    return Medium(path, "animMain", source)


def test_a_readable_movie_is_fit(tmp_path):
    assert check(medium(write(tmp_path / "sh010.mov"))) is None


def test_a_file_kitsu_stores_as_is_is_fit(tmp_path):
    assert check(medium(write(tmp_path / "layout.pdf"))) is None


def test_a_medium_without_a_path_says_where_a_path_would_come_from():
    assert check(medium("")) == (
        "instance 'animMain', representation 'mov': the review file has no path "
        "(no published_path, stagingDir or files)"
    )


def test_a_missing_file_is_named(tmp_path):
    missing = str(tmp_path / "gone.mov")
    assert check(medium(missing, "kitsuReview[2]")) == (
        f"instance 'animMain', kitsuReview[2]: the review file {missing} does not exist"
    )


def test_a_directory_is_not_a_review_file(tmp_path):
    folder = tmp_path / "frames.mov"
    folder.mkdir()
    assert check(medium(str(folder))).endswith(f"the review file {folder} is not a file")


def test_an_unreadable_file_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path / "locked.mov")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: p != path and real_access(p, mode))
    assert check(medium(path)).endswith(f"{path} cannot be read (permissions)")


def test_a_file_type_kitsu_refuses_names_what_it_takes(tmp_path):
    path = write(tmp_path / "notes.txt")
    assert check(medium(path)) == (
        "instance 'animMain', representation 'mov': Kitsu does not take files like "
        "notes.txt as review media (pictures and movies: avi, jpe, jpeg, jpg, m4v, mkv, "
        "mov, mp4, png, webm, wmv; or a file type Kitsu stores as is)"
    )


def test_the_type_is_checked_before_the_size(tmp_path):
    path = write(tmp_path / "empty.txt", b"")
    assert "Kitsu does not take files like empty.txt" in check(medium(path))


def test_an_empty_file_is_refused(tmp_path):
    path = write(tmp_path / "empty.mov", b"")
    assert check(medium(path)).endswith(f"the review file {path} is empty")


def test_a_one_byte_file_is_fit(tmp_path):
    assert check(medium(write(tmp_path / "tiny.png", b"x"))) is None


def test_the_upload_limit_is_zou_s_default_of_ten_gib():
    assert MAX_UPLOAD_BYTES == 10 * GIB


def fake_size(monkeypatch, size: int) -> None:
    real = os.path.getsize
    monkeypatch.setattr(os.path, "getsize", lambda p: size if p.endswith(".mov") else real(p))


def test_a_file_of_exactly_the_upload_limit_is_fit(tmp_path, monkeypatch):
    path = write(tmp_path / "big.mov")
    fake_size(monkeypatch, MAX_UPLOAD_BYTES)
    assert check(medium(path)) is None


def test_a_file_over_the_upload_limit_is_refused_with_its_size(tmp_path, monkeypatch):
    path = write(tmp_path / "huge.mov")
    fake_size(monkeypatch, MAX_UPLOAD_BYTES + 1)
    assert check(medium(path)) == (
        f"instance 'animMain', representation 'mov': the review file {path} is 10.0 GiB, "
        "over Kitsu's upload limit of 10 GiB"
    )


def test_the_size_over_the_limit_is_given_in_gib(tmp_path, monkeypatch):
    path = write(tmp_path / "huge.mov")
    fake_size(monkeypatch, 100 * GIB + GIB // 2)
    assert f"{path} is 100.5 GiB, over Kitsu's upload limit of 10 GiB" in check(medium(path))
