"""The collectors: settings, targets and login, tasks; and the session's lifetime.

Collectors never raise for a Kitsu problem (a failing collector does not stop a pyblish
publish): they keep the error in the publish state, and the validators raise it, so the
publish stops before anything is written.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import actions, plan
from .. import settings as settings_mod
from ..errors import ConnectionFailed, KitsuPublishError, ServerFailed
from ..state import KEY, PublishState, RunOptions, state_of
from . import farm
from .common import enabled, handed_over, kitsu_instances, name, targeted, where

__all__ = ["close_session", "collect_session", "collect_settings", "collect_targets"]


def collect_settings(context: Any, log: logging.Logger) -> None:
    """Start the publish state; load the settings file; make GUIs show the comment box."""
    previous = context.data.get(KEY)
    options = (
        previous.options if isinstance(previous, PublishState) else RunOptions.from_environment()
    )
    state = PublishState(options)
    context.data[KEY] = state
    context.data.setdefault("comment", "")
    try:
        file = options.settings_file
        state.settings = settings_mod.load_file(file) if file else settings_mod.load()
    except KitsuPublishError as exc:
        # One message per problem: the validator says it (a failed collector is easy
        # to miss in a publisher, and does not stop the publish); GUIs show DEBUG too.
        state.settings_error = exc
        return
    log.debug("Kitsu settings from %s", state.settings.source)


def collect_session(context: Any, log: logging.Logger) -> None:
    """Find each instance's target; log in to Kitsu when any instance has one."""
    state = state_of(context)
    if not enabled(state, log):
        return
    for instance in context:
        item = state.item(instance)
        item.target = item.error = None
        try:
            item.target = plan.find_target(instance.data, context.data, None, name(instance))
        except KitsuPublishError as exc:
            item.error = exc
            continue
        if item.target is None:
            log.info("%s has no Kitsu target: skipped by the Kitsu plugins", name(instance))
    if state.settings is None or not (targeted(context) or handed_over(context)):
        return
    from .. import kitsu

    connect = state.options.connect or kitsu.connect
    try:
        state.session = connect(state.settings)
    except KitsuPublishError as exc:
        state.session_error = exc
        _warn_early(context, log)
        return
    _close_when_done()
    log.info("Connected to Kitsu at %s as %s", state.session.url, state.session.user)
    try:
        farm.act_for(state, log)
    except KitsuPublishError as exc:
        state.session_error = exc
    if handed_over(context):
        farm.hand_off(context, log)


def collect_targets(context: Any, log: logging.Logger) -> None:
    """Resolve every instance's target to its Kitsu task (``instance.data['kitsuTask']``)."""
    state = state_of(context)
    session = state.session
    if session is None:
        return
    instances = targeted(context)
    with session.step("finding the Kitsu tasks"):
        try:  # all at once; what this does not find, resolve() looks up alone
            session.read_targets(t for t in (state.item(i).target for i in instances) if t)
        except (ConnectionFailed, ServerFailed) as exc:  # one by one would only wait again
            for instance in instances:
                item = state.item(instance)
                item.error = item.error or exc
        except KitsuPublishError as exc:
            log.debug("Reading the Kitsu tasks together failed (%s); one by one", exc)
        for instance in instances:
            item = state.item(instance)
            if item.target is None or item.error is not None:
                continue
            try:
                task = session.resolve(item.target, name(instance))
            except KitsuPublishError as exc:
                item.error = exc
                continue
            item.task = task
            instance.data["kitsuTask"] = dict(task.data)
            instance.data[actions.TASK_URL] = session.task_url(task)
            log.info("%s -> Kitsu task %s", name(instance), where(task))
    _warn_early(context, log)


def _warn_early(context: Any, log: logging.Logger) -> None:
    """Tell the artist at collection that validation will fail, before they type a comment.

    The problems themselves are said once, by the validators; this is only the heads-up.
    """
    state = state_of(context)
    problems = sum(state.item(i).error is not None for i in kitsu_instances(context))
    problems += state.settings_error is not None or state.session_error is not None
    if problems:
        log.warning(
            "Kitsu will refuse this publish (%d problem%s found): press Validate to see "
            "what to fix before you type your comment",
            problems,
            "" if problems == 1 else "s",
        )


# --- the session's lifetime ---------------------------------------------------------------
#
# Opened by CollectKitsuSession; ended when the publish ends, by pyblish's own signals:
# "published" (pyblish.util.publish emits it at the end of every publish, also one stopped
# by a failed validator; pyblish-lite when its Publish run ends) and "validated" when the
# validation failed (pyblish-lite's Validate button: the artist must reset to go on, and a
# reset drops the context). A session nobody closed is released when its context is
# garbage-collected. Closing logs out only a session the library opened with a password.


def close_session(context: Any) -> None:
    """End the publish's Kitsu session (if any) and drop it from the publish state."""
    state = context.data.get(KEY)
    session = state.session if isinstance(state, PublishState) else None
    if session is not None:
        state.session = None
        session.close()


def _publish_over(context: Any) -> bool:
    """Has this publish ended: stopped by a failed validator, or through integration?

    pyblish-base before 1.8.12 emits "published" after each stage of the staged API
    (util.collect, util.validate, ...), so the signal alone does not mean the end.
    """
    import pyblish.api

    for result in context.data.get("results", []):
        order = getattr(result.get("plugin"), "order", 0)
        if result.get("error") and order >= pyblish.api.ValidatorOrder - 0.5:
            return True
        if order >= pyblish.api.IntegratorOrder + 0.4:  # IntegrateKitsuNote ran
            return True
    return False


def _on_publish_signal(context: Any = None, **_: Any) -> None:
    """pyblish's "published" and "validated": close the session once the publish is over."""
    if context is not None and _publish_over(context):
        close_session(context)


def _close_when_done() -> None:
    import pyblish.api

    registered = pyblish.api.registered_callbacks()
    for signal in ("published", "validated"):
        if _on_publish_signal not in registered.get(signal, ()):
            pyblish.api.register_callback(signal, _on_publish_signal)
