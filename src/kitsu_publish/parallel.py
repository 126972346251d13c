"""Bounded parallel requests (the writes of different tasks, and a publish's first
reads, see ``kitsu.session.Session.together``): run jobs at most ``limit`` at a time,
stop starting new ones once one has failed, and leave the logging and the bookkeeping
to the caller's thread.

:func:`run` is what ``[kitsu] max_parallel_requests`` means:

- the jobs start in their order (publish order), at most ``limit`` at a time;
- once a job has failed (raised), no new job starts; the jobs already running finish
  and are reported; the others are reported as never started;
- ``on_done`` is called in the calling thread for every job that ran, in the order
  they finish, one at a time: the caller keeps its records without locks;
- a record logged in a worker thread on one of ``loggers`` is handed to the calling
  thread and logged there, in order: pyblish keeps what a plugin logs while it runs,
  and a DCC's log window is only safe to write from its own (main) thread;
- each job runs in a copy of the caller's context (:mod:`contextvars`), so it sees the
  caller's publish step and its time budget (see ``kitsu.transport``);
- ``limit`` 1 (or a single job) runs every job in the calling thread, in turn, and
  starts no thread at all.

Pure: the standard library only.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union

__all__ = ["RELAYED", "Done", "run"]

#: The loggers whose records a worker hands to the calling thread: the library's own, and
#: those of the HTTP libraries under it (their DEBUG traffic).
RELAYED = ("pyblish.kitsu_publish", "gazu", "urllib3.connectionpool", "urllib3.util.retry")

#: How often the calling thread wakes up while it waits (so that Ctrl-C gets through).
_WAKE = 0.2


@dataclass
class Done:
    """What became of one job: its value, its error, or that it never started."""

    index: int
    value: Any = None
    error: BaseException | None = None
    started: bool = True

    @property
    def ok(self) -> bool:
        return self.started and self.error is None


OnDone = Optional[Callable[[Done], None]]
Loggers = Iterable[Union[logging.Logger, str]]


def run(
    jobs: Sequence[Callable[[], Any]],
    limit: int,
    on_done: OnDone = None,
    loggers: Loggers = (),
) -> list[Done]:
    """Run ``jobs`` (see the module docstring); what became of each, in their order."""
    if limit <= 1 or len(jobs) <= 1:
        return _in_turn(jobs, on_done)
    return _Run(jobs, min(limit, len(jobs)), on_done, loggers).run()


def _in_turn(jobs: Sequence[Callable[[], Any]], on_done: OnDone) -> list[Done]:
    """One job after another in the calling thread, as if there were no threads."""
    results: list[Done] = []
    for index, job in enumerate(jobs):
        if any(r.error is not None for r in results):
            results.append(Done(index, started=False))
            continue
        try:
            done = Done(index, job())
        except Exception as exc:
            done = Done(index, error=exc)
        results.append(done)
        if on_done is not None:
            on_done(done)
    return results


class _Relay(logging.Filter):
    """On the given loggers: a record logged by a worker of this run goes to the calling
    thread's queue instead of the handlers."""

    def __init__(self, events: queue.Queue[tuple[str, Any]]) -> None:
        super().__init__()
        self.events = events
        self.workers = threading.local()  # .mine: this thread is a worker of this run

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(self.workers, "mine", False):
            self.events.put(("log", record))
            return False
        return True


class _Run:
    """One :func:`run` with worker threads."""

    def __init__(
        self, jobs: Sequence[Callable[[], Any]], workers: int, on_done: OnDone, loggers: Loggers
    ) -> None:
        self.jobs = jobs
        self.workers = workers
        self.on_done = on_done
        self.loggers = [logging.getLogger(x) if isinstance(x, str) else x for x in loggers]
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.relay = _Relay(self.events)
        self.lock = threading.Lock()
        self.next = 0
        self.stopped = False
        self.context = contextvars.copy_context()  # the caller's: its step, its budget

    def run(self) -> list[Done]:
        results: list[Done | None] = [None] * len(self.jobs)
        for logger in self.loggers:
            logger.addFilter(self.relay)
        threads = [
            threading.Thread(target=self._work, name=f"kitsu-publish-{n + 1}", daemon=True)
            for n in range(self.workers)
        ]
        try:
            for thread in threads:
                thread.start()
            self._wait(len(threads), results)
        finally:
            with self.lock:
                self.stopped = True  # interrupted: start nothing more
            for logger in self.loggers:
                logger.removeFilter(self.relay)
        return [done or Done(index, started=False) for index, done in enumerate(results)]

    def _wait(self, threads: int, results: list[Done | None]) -> None:
        """Until every worker has ended: log what they logged and report what they did, in
        the calling thread. A failing ``on_done`` stops the run and is raised at its end."""
        failure: BaseException | None = None
        ended = 0
        while ended < threads:
            try:
                kind, item = self.events.get(timeout=_WAKE)
            except queue.Empty:
                continue
            if kind == "end":
                ended += 1
            elif kind == "log":
                logging.getLogger(item.name).handle(item)
            else:
                results[item.index] = item
                if self.on_done is not None and failure is None:
                    try:
                        self.on_done(item)
                    except Exception as exc:
                        failure = exc
                        with self.lock:
                            self.stopped = True
        if failure is not None:
            raise failure

    def _take(self) -> int | None:
        """The next job to start, or None: all started, or one has failed."""
        with self.lock:
            if self.stopped or self.next >= len(self.jobs):
                return None
            self.next += 1
            return self.next - 1

    def _work(self) -> None:
        self.relay.workers.mine = True
        try:
            while True:
                index = self._take()
                if index is None:
                    return
                try:
                    done = Done(index, self.context.copy().run(self.jobs[index]))
                except BaseException as exc:  # reported to the calling thread
                    done = Done(index, error=exc)
                    with self.lock:
                        self.stopped = True  # before any other worker takes a job
                self.events.put(("done", done))
        finally:
            self.events.put(("end", None))
