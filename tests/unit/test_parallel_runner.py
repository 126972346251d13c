"""The bounded parallel runner (kitsu_publish.parallel) and its setting,
``[kitsu] max_parallel_requests``: no server, no pyblish.

Jobs that must overlap wait on events and barriers, never on sleeps, so that what is
asserted (how many ran at once, which started) does not depend on the machine's speed.
"""

from __future__ import annotations

import contextvars
import logging
import threading

import pytest

from kitsu_publish import parallel
from kitsu_publish.settings import SettingsError, read

WAIT = 10.0  # seconds: only reached when a test is broken


class Running:
    """Counts the jobs running at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.threads: set[int] = set()

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.threads.add(threading.get_ident())

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


def test_one_at_a_time_runs_in_the_calling_thread_in_order_and_stops_at_a_failure():
    ran, seen = [], []

    def job(n):
        def run():
            ran.append((n, threading.get_ident()))
            if n == 2:
                raise ValueError("two")
            return n * 10

        return run

    results = parallel.run([job(n) for n in range(5)], 1, seen.append)

    assert ran == [(n, threading.get_ident()) for n in range(3)]
    assert [(d.index, d.value, d.started) for d in results] == [
        (0, 0, True),
        (1, 10, True),
        (2, None, True),
        (3, None, False),
        (4, None, False),
    ]
    assert isinstance(results[2].error, ValueError) and not results[2].ok
    assert seen == results[:3]  # each reported as it ended, before the next started


def test_at_most_limit_jobs_run_at_once_and_every_result_is_in_job_order():
    running, barrier = Running(), threading.Barrier(3, timeout=WAIT)

    def job(n):
        def run():
            with running:
                if n < 3:
                    barrier.wait()  # the first three are surely in flight together
                return n

        return run

    results = parallel.run([job(n) for n in range(12)], 3)

    assert [d.value for d in results] == list(range(12)) and all(d.ok for d in results)
    assert running.most == 3
    assert threading.get_ident() not in running.threads


def test_a_single_job_starts_no_thread():
    results = parallel.run([threading.get_ident], 4)
    assert results[0].value == threading.get_ident()


def test_after_a_failure_no_job_starts_and_those_in_flight_finish_and_are_reported():
    inflight, release = threading.Barrier(3, timeout=WAIT), threading.Event()
    started = []

    def job(n):
        def run():
            started.append(n)
            if n < 3:
                inflight.wait()  # jobs 0, 1 and 2 all running
            if n == 1:
                # released only once the failure has surely been seen
                threading.Timer(0.2, release.set).start()
                raise RuntimeError("job 1 failed")
            release.wait(WAIT)
            return n

        return run

    ended = []
    results = parallel.run([job(n) for n in range(8)], 3, lambda d: ended.append(d.index))

    assert sorted(started) == [0, 1, 2]
    assert [(d.started, d.ok) for d in results] == [
        (True, True),
        (True, False),
        (True, True),
        *[(False, False)] * 5,
    ]
    assert str(results[1].error) == "job 1 failed"
    assert ended[0] == 1 and sorted(ended) == [0, 1, 2]  # reported in the order they ended


def test_on_done_runs_in_the_calling_thread_one_at_a_time():
    caller, threads = threading.get_ident(), []

    def done(d):
        threads.append(threading.get_ident())

    parallel.run([lambda: None] * 9, 4, done)
    assert threads == [caller] * 9


def test_a_failing_on_done_stops_the_run_and_is_raised_after_the_jobs_in_flight():
    started, gate = [], threading.Event()

    def job(n):
        def run():
            started.append(n)
            if n >= 2:
                gate.wait(WAIT)  # a job taken before the failure: it finishes
            return n

        return run

    def done(d):
        gate.set()
        raise KeyError("bookkeeping broke")

    with pytest.raises(KeyError):
        parallel.run([job(n) for n in range(50)], 2, done)
    assert len(started) <= 4  # the first two, and at most one more per worker


def test_records_logged_in_the_workers_are_logged_in_the_calling_thread_in_order(caplog):
    log = logging.getLogger("pyblish.TestParallel")
    library = logging.getLogger("pyblish.kitsu_publish")
    barrier = threading.Barrier(2, timeout=WAIT)

    def job(n):
        def run():
            barrier.wait()
            log.info("job %d: first", n)
            library.warning("job %d: second", n)
            return n

        return run

    caller = threading.get_ident()
    handled: list[tuple[str, int]] = []

    class Where(logging.Handler):
        def emit(self, record):
            handled.append((record.getMessage(), threading.get_ident()))

    handler = Where()
    logging.getLogger().addHandler(handler)
    try:
        with caplog.at_level(logging.INFO):
            parallel.run([job(n) for n in range(2)], 2, loggers=[log, library.name])
    finally:
        logging.getLogger().removeHandler(handler)

    assert {thread for _, thread in handled} == {caller}
    messages = [message for message, _ in handled]
    assert sorted(messages) == ["job 0: first", "job 0: second", "job 1: first", "job 1: second"]
    for n in range(2):  # each worker's records in the order it logged them
        assert messages.index(f"job {n}: first") < messages.index(f"job {n}: second")
    assert not log.filters and not library.filters  # the relay is gone after the run


def test_a_record_logged_outside_the_workers_during_a_run_is_not_held(caplog):
    log = logging.getLogger("pyblish.TestParallel")
    seen = threading.Event()

    def job():
        log.info("from a worker")
        return seen.wait(WAIT)

    def other():  # another thread of the program logging on the same logger meanwhile
        log.info("from elsewhere")
        seen.set()

    with caplog.at_level(logging.INFO):
        threading.Timer(0.05, other).start()
        results = parallel.run([job, job], 2, loggers=[log])
    assert all(d.value for d in results)
    assert caplog.messages.count("from a worker") == 2 and "from elsewhere" in caplog.messages


STEP: contextvars.ContextVar[str] = contextvars.ContextVar("step", default="none")


def test_each_job_sees_the_callers_context_and_keeps_its_own_changes():
    def job(n):
        def run():
            seen = STEP.get()
            STEP.set(f"job {n}")
            return seen, STEP.get()

        return run

    token = STEP.set("posting the notes")
    try:
        results = parallel.run([job(n) for n in range(6)], 3)
        assert [d.value for d in results] == [("posting the notes", f"job {n}") for n in range(6)]
        assert STEP.get() == "posting the notes"
    finally:
        STEP.reset(token)


# --- the setting --------------------------------------------------------------------------


def test_max_parallel_requests_defaults_to_4():
    assert read({}, "studio.toml").max_parallel_requests == 4


@pytest.mark.parametrize("value", [1, 8, 16])
def test_max_parallel_requests_takes_a_whole_number_from_1_to_16(value):
    settings = read({"kitsu": {"max_parallel_requests": value}}, "studio.toml")
    assert settings.max_parallel_requests == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "expected a number from 1 to 16, found 0"),
        (17, "expected a number from 1 to 16, found 17"),
        (-1, "expected a number from 1 to 16, found -1"),
        (2.0, "expected a whole number from 1 to 16"),
        ("4", "expected a whole number from 1 to 16"),
        (True, "expected a whole number from 1 to 16"),
    ],
)
def test_max_parallel_requests_out_of_range_is_an_error_naming_the_key(value, message):
    with pytest.raises(SettingsError) as raised:
        read({"kitsu": {"max_parallel_requests": value}}, "studio.toml")
    assert str(raised.value).startswith("studio.toml: kitsu.max_parallel_requests: ")
    assert message in str(raised.value)


# --- Session.together: independent reads of the real session, up to the limit ----------


def _session(limit: int):
    from types import SimpleNamespace

    from kitsu_publish.kitsu.session import Session

    return Session(SimpleNamespace(url="http://kitsu.test/api", client=None, parallel=limit))


def test_together_reads_at_once_up_to_the_limit_and_gives_the_values_in_order():
    session = _session(3)
    all_three = threading.Barrier(3, timeout=WAIT)  # broken unless the three overlap

    def read(value: str):
        return lambda: (all_three.wait(), value)[1]

    assert session.together(read("task"), read("tasks"), read("context")) == [
        "task",
        "tasks",
        "context",
    ]


def test_together_at_1_reads_one_after_another_in_the_calling_thread():
    session = _session(1)
    seen: list[tuple[str, int]] = []

    def read(value: str):
        return lambda: seen.append((value, threading.get_ident())) or value

    assert session.together(read("a"), read("b")) == ["a", "b"]
    assert seen == [("a", threading.get_ident()), ("b", threading.get_ident())]


def test_together_raises_the_first_failure_in_the_reads_order():
    session = _session(2)
    second_failed = threading.Event()

    def first():
        assert second_failed.wait(WAIT)  # fails only once the second has failed
        raise LookupError("first")

    def second():
        second_failed.set()
        raise KeyError("second")

    with pytest.raises(LookupError, match="first"):
        session.together(first, second)
