"""Decide, for one Kitsu task, whether a publish may change its status.

Pure: settings and the task's facts in, a :class:`Decision` with its reason out.
The semantics (docs/semantics.md), all comparisons case-insensitive:

- status conditions: E = ``equal`` short names, N = ``not_equal`` short names;
  ``status_ok = (not E or S in E) and S not in N``.
- product-type requirements: E', N' likewise;
  ``product_ok = any((not E' or p in E') and p not in N' for p in P)``.
- the status changes to ``note_status_shortname`` when
  ``set_status_note and status_ok and product_ok``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .settings import EQUAL, NOT_EQUAL, Condition, Settings

__all__ = ["Decision", "decide"]


@dataclass(frozen=True)
class Decision:
    """What happens to one task's status, and why."""

    change: bool
    status_before: str
    status_after: str
    reason: str


def decide(settings: Settings, status: str, product_types: Iterable[str]) -> Decision:
    """Apply the status conditions and product-type requirements to one task.

    ``status`` is the task's current status short name, ``product_types`` those of the
    active instances that target the task (in publish order).
    """
    products = _unique(product_types)
    target = settings.note_status_shortname

    def keep(reason: str) -> Decision:
        return Decision(False, status, status, f"{reason}: status kept")

    if not settings.set_status_note:
        return keep(f"set_status_note is off (status '{status}')")

    allowed, denied = _split(settings.status_conditions)
    current = status.lower()
    if allowed and current not in allowed:
        return keep(f"status '{status}' is not in allowed {_names(allowed)}")
    if current in denied:
        return keep(f"status '{status}' is in denied {_names(denied)}")

    p_allowed, p_denied = _split(settings.product_type_requirements)
    passing = [
        p
        for p in products
        if (not p_allowed or p.lower() in p_allowed) and p.lower() not in p_denied
    ]
    if not passing:
        rule = []
        if p_allowed:
            rule.append(f"allowed {_names(p_allowed)}")
        if p_denied:
            rule.append(f"denied {_names(p_denied)}")
        return keep(
            f"no product type of {_names(products)} passes the requirements "
            f"({', '.join(rule) or 'none'})"
        )

    why = f"status '{status}' and product type '{passing[0]}' meet the conditions"
    return Decision(True, status, target, f"{why}: status '{status}' -> '{target}'")


def _split(conditions: Sequence[Condition]) -> tuple[_Names, _Names]:
    """The ``equal`` and ``not_equal`` values, in settings order, lower-cased."""
    equal = _Names.of(c.value for c in conditions if c.condition == EQUAL)
    not_equal = _Names.of(c.value for c in conditions if c.condition == NOT_EQUAL)
    return equal, not_equal


class _Names(tuple):
    """Lower-cased names in settings order, for membership tests and for messages."""

    @classmethod
    def of(cls, values: Iterable[str]) -> _Names:
        return cls(dict.fromkeys(v.lower() for v in values))


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v or "" for v in values))


def _names(values: Iterable[str]) -> str:
    return "[" + ", ".join(v or "(none)" for v in values) + "]"
