"""The plain copy of instance data templates read: its limits at their line, its odd inputs.

(The plain copy's basics are in test_template.py.)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from kitsu_publish.template import PLAIN_MAX_DEPTH, PLAIN_MAX_ITEMS, plain_data


def nested(depth: int) -> Any:
    """``"x"`` inside ``depth`` lists."""
    value: Any = "x"
    for _ in range(depth):
        value = [value]
    return value


def test_containers_nested_at_the_depth_limit_are_copied():
    assert plain_data(nested(3), max_depth=3) == nested(3)
    assert plain_data(nested(PLAIN_MAX_DEPTH)) == nested(PLAIN_MAX_DEPTH)


def test_a_container_one_past_the_depth_limit_becomes_its_text():
    assert plain_data(nested(3), max_depth=2) == [["['x']"]]
    copy = plain_data(nested(PLAIN_MAX_DEPTH + 1))
    for _ in range(PLAIN_MAX_DEPTH):
        copy = copy[0]
    assert copy == "['x']"


def test_values_at_the_item_limit_are_all_copied():
    # the list itself is one of the values
    assert plain_data([1, 2, 3], max_items=4) == [1, 2, 3]
    assert plain_data(list(range(PLAIN_MAX_ITEMS - 1))) == list(range(PLAIN_MAX_ITEMS - 1))


def test_values_past_the_item_limit_are_left_out():
    assert plain_data([1, 2, 3], max_items=3) == [1, 2]
    assert plain_data(list(range(PLAIN_MAX_ITEMS))) == list(range(PLAIN_MAX_ITEMS - 1))
    assert plain_data({"a": 1, "b": 2, "c": 3}, max_items=3) == {"a": 1, "b": 2}
    assert plain_data([1], max_items=1) == []
    assert plain_data({"a": 1}, max_items=0) is None


def test_values_are_copied_breadth_first():
    assert plain_data({"a": [1, 2, 3], "b": 4}, max_items=4) == {"a": [1], "b": 4}
    assert plain_data({"a": [[1, 2]], "b": [3]}, max_items=5) == {"a": [[]], "b": [3]}


def test_keys_become_plain_text_the_first_of_a_name_kept():
    class Key(str):
        pass

    class BadKey:
        def __str__(self) -> str:
            raise RuntimeError("no")

    copy = plain_data({1: "a", "1": "b", Key("k"): 2, BadKey(): 3})
    assert copy == {"1": "a", "k": 2, "<BadKey>": 3}
    assert [type(key) for key in copy] == [str, str, str]


def test_scalars_keep_their_exact_plain_type():
    class Real(float):
        pass

    copy = plain_data({"t": True, "f": False, "r": Real(1.5), "n": None})
    assert copy["t"] is True
    assert copy["f"] is False
    assert type(copy["r"]) is float
    assert copy["r"] == 1.5
    assert copy["n"] is None


def test_a_text_subclass_is_copied_as_its_characters_not_its_str():
    # the characters a string holds, never what an overridden __str__ says
    class Masked(str):
        def __str__(self) -> str:
            return "masked"

    copy = plain_data({"path": Masked("/shots/sh010")})
    assert copy == {"path": "/shots/sh010"}
    assert type(copy["path"]) is str


def test_the_text_of_an_object_is_plain_text():
    class Text(str):
        pass

    class Odd:
        def __str__(self) -> Any:
            return Text("odd")

    copy = plain_data([Odd()])
    assert copy == ["odd"]
    assert type(copy[0]) is str


def test_a_set_of_values_without_a_repr_is_still_sorted():
    class Bad:
        def __repr__(self) -> str:
            raise RuntimeError("no")

        def __str__(self) -> str:
            return "bad"

    assert plain_data({"s": {Bad(), "a"}}) == {"s": ["a", "bad"]}  # "'a'" < "<Bad>"


def test_any_mapping_is_copied_as_a_dict():
    copy = plain_data(MappingProxyType({"a": (1,)}))
    assert copy == {"a": [1]}
    assert type(copy) is dict


class Broken(Mapping):
    """A mapping that cannot list its items."""

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no")

    def __len__(self) -> int:
        return 1

    def __str__(self) -> str:
        return "<broken>"


def test_a_mapping_that_fails_becomes_its_text():
    assert plain_data({"m": Broken()}) == {"m": "<broken>"}


def test_a_container_too_deep_whose_text_fails_becomes_its_type_name():
    # named like a list, reprlib reads it as one, and fails to
    unshowable = type("list", (Broken,), {"__len__": lambda self: 1 // 0})()
    assert plain_data({"d": [unshowable]}, max_depth=1) == {"d": "<list>"}
