"""Starting VMs whatever Snooze answers: claim, submit once, reconcile (launching.py).

Each test scripts Snooze's answers and checks the rule from the module's docstring: what is
recorded, and above all that a submission is never repeated unless its VMs are proven not started.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fate,
    Launcher,
    Outcome,
    Pace,
    SnoozeClient,
    Submission,
    Tracker,
    VirtualMachineTemplate,
)

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LEADER,
    LIST,
    META,
    NEW_LEADER,
    NEW_LEADER_ID,
    POLL,
    START,
    TASK,
    TASK_2,
    FakeTime,
    Snooze,
    as_json,
    html_500,
    leader_description,
    listing,
    local_controller,
    metadata,
    null_post,
    offline_stub,
    raw,
    reset,
)

GRACE = 15.0
A = metadata("a", lc="lc-1", ip="192.168.122.2")
B = metadata("b", lc="lc-2", ip="192.168.122.3")
STRANGER_A = metadata("a", lc="lc-3", ip="192.168.122.9")


def result(*vms: dict[str, object], error_code: str | None = None) -> httpx.Response:
    return as_json({"errorCode": error_code, "virtualMachineMetaData": list(vms)})


def failed(vm: str, code: str) -> dict[str, object]:
    entry = metadata(vm, status="ERROR", lc="UNKNOWN", ip="UNKNOWN")
    entry["errorCode"] = code
    return entry


def templates(*names: str) -> dict[str, VirtualMachineTemplate]:
    return {name: VirtualMachineTemplate(name=name, image_id="debian.qcow2") for name in names}


def once_started(
    snooze: Snooze, before: httpx.Response, after: httpx.Response, starts: int = 1
) -> Callable[[httpx.Request], httpx.Response]:
    """Answers `before` until `starts` submissions (barriers included) reached Snooze."""
    return lambda request: after if len(snooze.calls(START)) >= starts else before


HOSTS = as_json({"localControllers": [local_controller("lc-1", 5005), local_controller("lc-2", 5006)]})


@pytest.fixture
def launcher(snooze: Snooze, client: SnoozeClient, fake_time: FakeTime) -> Launcher:
    snooze.on(LEADER, "groupmanager?getLocalControllerList", HOSTS)
    pace = Pace(Backoff(first=1.0, cap=2.0), fake_time.sleep, fake_time.clock)
    return Launcher(Tracker(client, pace, GRACE))


def launch(
    launcher: Launcher, fake_time: FakeTime, *names: str
) -> tuple[dict[str, Outcome], list[Submission]]:
    submitted: list[Submission] = []
    outcomes = launcher.launch(
        templates(*names), fake_time.now + 600, lambda submission, batch: submitted.append(submission)
    )
    return outcomes, submitted


def test_a_name_snooze_already_runs_is_refused_and_the_others_start(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(STRANGER_A), listing(STRANGER_A, B)))
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, null_post(), result(B))
    outcomes, submitted = launch(launcher, fake_time, "a", "b")
    assert outcomes["a"].fate is Fate.REFUSED and outcomes["a"].others[0].ip_address == "192.168.122.9"
    assert outcomes["b"].fate is Fate.STARTED
    assert [s.task_id for s in submitted] == [TASK]
    assert b'"name": "a"' not in snooze.bodies(START)[0]  # only the free name was submitted


def test_the_result_is_polled_once_per_poll_for_the_whole_batch(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(A, B)))
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, null_post(), null_post(), result(A, B))
    outcomes, _ = launch(launcher, fake_time, "a", "b")
    assert {name: o.fate for name, o in outcomes.items()} == {"a": Fate.STARTED, "b": Fate.STARTED}
    assert len(snooze.calls(POLL)) == 3
    assert len(snooze.calls(LIST)) == 2  # the claim, then the group managers' view of what started
    assert not snooze.calls(META)


def test_a_running_vm_is_taken_from_the_group_managers_view_at_its_host(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    # The leader pairs group manager answers by position (spec 12.14): its copy may carry another
    # VM's IP. Snooze keeps one VM of a name per host, so the host settles which VM it is.
    leaders_copy = metadata("a", lc="lc-1", ip="192.168.122.3")
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(A, B)))
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, result(leaders_copy))
    outcome = launch(launcher, fake_time, "a")[0]["a"]
    assert outcome.fate is Fate.STARTED and outcome.metadata is not None
    assert (outcome.metadata.ip_address, outcome.metadata.location.local_controller_id) == (
        "192.168.122.2",
        "lc-1",
    )


def test_a_definite_failure_is_not_mistaken_for_a_vm_of_the_same_name(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    # libvirt refused a second "a" on the host: the "a" now listed is somebody else's.
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(STRANGER_A)))
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, result(failed("a", "FAILED_TO_START_ON_HYPERVISOR")))
    outcome = launch(launcher, fake_time, "a")[0]["a"]
    assert (outcome.fate, outcome.error_code) == (Fate.FAILED, "FAILED_TO_START_ON_HYPERVISOR")
    assert len(snooze.calls(START)) == 1


def test_a_vm_flagged_uncollected_that_runs_is_ours(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(A)))
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, result(failed("a", "UNABLE_TO_COLLECT_GROUP_MANAGER_RESPONSE")))
    assert launch(launcher, fake_time, "a")[0]["a"].fate is Fate.STARTED


def test_a_vm_left_out_of_the_result_failed(snooze: Snooze, launcher: Launcher, fake_time: FakeTime) -> None:
    snooze.on(BOOTSTRAP, LIST, listing())
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, result())
    outcome = launch(launcher, fake_time, "a")[0]["a"]
    assert outcome.fate is Fate.FAILED and "dropped its template" in outcome.detail


@pytest.mark.parametrize(
    "answer",
    [html_500(), raw("false"), null_post(), raw("garbage"), reset],
    ids=["500", "false", "null", "garbage", "dropped"],
)
def test_an_ambiguous_submission_whose_vms_appeared_is_recorded_never_repeated(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime, answer: httpx.Response
) -> None:
    # Snooze queued it anyway; a barrier (an empty cluster) through the same leader proves it done.
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(A)))
    snooze.on(LEADER, START, answer, raw(TASK_2))
    snooze.on(LEADER, POLL, null_post(), result())
    outcomes, submitted = launch(launcher, fake_time, "a")
    assert outcomes["a"].fate is Fate.STARTED
    assert submitted[0].ambiguous
    bodies = snooze.bodies(START)
    assert len(bodies) == 2 and b'"virtualMachineTemplates": []' in bodies[1]  # the barrier
    assert snooze.bodies(POLL) == [TASK_2.encode(), TASK_2.encode()]  # only the barrier's result


def test_a_dropped_submission_waits_the_grace_before_its_barrier(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    # No answer at all: the request may still be on its way to the leader's queue.
    sent_at = fake_time.now
    barrier_at: list[float] = []

    def start(request: httpx.Request) -> httpx.Response | Exception:
        if len(snooze.calls(START)) == 1:
            return reset(request)
        barrier_at.append(fake_time.now)
        return raw(TASK_2)

    snooze.on(BOOTSTRAP, LIST, listing())
    snooze.on(LEADER, START, start)
    snooze.on(LEADER, POLL, result())
    launch(launcher, fake_time, "a")
    assert barrier_at and barrier_at[0] >= sent_at + GRACE


def test_vms_proven_not_started_are_submitted_again_once(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    # 1: ambiguous; 2: the barrier; 3: submitted again; 4: barrier again -> still nothing.
    snooze.on(BOOTSTRAP, LIST, listing())
    snooze.on(LEADER, START, html_500(), raw(TASK), html_500(), raw(TASK_2))
    snooze.on(LEADER, POLL, result())
    outcomes, submitted = launch(launcher, fake_time, "a")
    assert outcomes["a"].fate is Fate.NOT_STARTED
    assert len(submitted) == 2  # the first submission and one more, never a third
    assert sum(b'"name": "a"' in body for body in snooze.bodies(START)) == 2


def test_a_lost_poll_answer_is_reconciled_through_a_barrier(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    # The poll reached Snooze and consumed the one-shot result, but its answer was lost.
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(A), starts=2))
    snooze.on(LEADER, START, raw(TASK), raw(TASK_2))
    snooze.on(LEADER, POLL, reset, result())
    outcomes, _ = launch(launcher, fake_time, "a")
    assert outcomes["a"].fate is Fate.STARTED
    assert snooze.bodies(POLL) == [TASK.encode(), TASK_2.encode()]  # never polled twice for a result


@pytest.mark.parametrize("bootstrap_database", [False, True])
def test_a_leader_change_while_polling_waits_for_the_group_managers_then_lists(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime, bootstrap_database: bool
) -> None:
    if bootstrap_database:
        # A bootstrap with a database keeps listing every host, rejoined or not: only the
        # leader's own list says whose VMs its listings show.
        snooze.on(BOOTSTRAP, "bootstrap?getLocalControllerList", HOSTS)
    changed_at: list[float] = []

    def poll(request: httpx.Request) -> httpx.Response | Exception:
        changed_at.append(fake_time.now)
        new_leader = as_json(leader_description(NEW_LEADER, NEW_LEADER_ID))
        snooze.on(BOOTSTRAP, "bootstrap?getGroupLeaderDescription", new_leader)
        return httpx.ConnectError("[Errno 111] Connection refused", request=request)

    # The group managers rejoin the new leader one poll after the change: until then its host list
    # (and its listings) miss them.
    rejoined: list[float] = []

    def new_hosts(request: httpx.Request) -> httpx.Response:
        if len(snooze.calls(f"{NEW_LEADER}/groupmanager?getLocalControllerList")) < 3:
            return as_json({"localControllers": []})
        rejoined.append(fake_time.now)
        return HOSTS

    listed_at: list[float] = []

    def list_vms(request: httpx.Request) -> httpx.Response:
        listed_at.append(fake_time.now)
        return listing(A) if rejoined else listing()

    snooze.on(BOOTSTRAP, LIST, list_vms)
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, poll)
    snooze.on(NEW_LEADER, "groupmanager?getLocalControllerList", new_hosts)
    outcomes, _ = launch(launcher, fake_time, "a")
    assert outcomes["a"].fate is Fate.STARTED, "never taken for not started while its manager rejoins"
    assert listed_at[-1] >= rejoined[0]  # concluded only once every group manager rejoined
    assert listed_at[-1] >= changed_at[0] + GRACE  # and the grace passed (managers still starting VMs)
    assert not snooze.calls(f"{NEW_LEADER}/{POLL}")  # a new leader never has the old one's results
    assert len(snooze.calls(START)) == 1
    assert not snooze.calls("bootstrap?getLocalControllerList")


def test_no_group_manager_joined_yet_waits_and_submits_again(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    # Just elected: no group manager has joined, and the leader lists no host.
    snooze.on(LEADER, "groupmanager?getLocalControllerList", as_json({"localControllers": []}), HOSTS)
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(A), starts=2))
    snooze.on(LEADER, START, raw(TASK), raw(TASK_2))
    snooze.on(LEADER, POLL, result(error_code="GROUP_MANAGERS_MISSING"), result(A))
    started = fake_time.now
    outcomes, submitted = launch(launcher, fake_time, "a")
    assert outcomes["a"].fate is Fate.STARTED
    assert [s.task_id for s in submitted] == [TASK, TASK_2]
    assert submitted[1].sent_at >= started + GRACE


def test_at_the_deadline_what_runs_is_recorded_and_the_rest_stays_unknown(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    snooze.on(BOOTSTRAP, LIST, once_started(snooze, listing(), listing(A)))
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, null_post())
    outcomes = launcher.launch(templates("a", "b"), fake_time.now + 10, lambda s, n: None)
    assert outcomes["a"].fate is Fate.STARTED
    assert outcomes["b"].fate is Fate.UNKNOWN and outcomes["b"].pollable  # its result is still unread
    assert len(snooze.calls(START)) == 1


def test_a_rival_of_the_same_name_makes_us_yield_and_destroy_only_ours(
    snooze: Snooze, launcher: Launcher, fake_time: FakeTime
) -> None:
    destroyed: list[bytes] = []

    def destroy(request: httpx.Request) -> httpx.Response:
        destroyed.append(request.content)
        return raw("true")

    def list_vms(request: httpx.Request) -> httpx.Response:
        if not snooze.calls(START):
            return listing()
        return listing(STRANGER_A) if destroyed else listing(A, STRANGER_A)

    snooze.on(BOOTSTRAP, LIST, list_vms)
    snooze.on(LEADER, START, raw(TASK))
    snooze.on(LEADER, POLL, result(A))
    snooze.on(GM, "groupmanager?destroyVirtualMachine", destroy)
    snooze.on(GM, META, as_json(metadata("a", status="SHUTDOWN_PENDING")), as_json(offline_stub("a")))
    outcome = launch(launcher, fake_time, "a")[0]["a"]
    assert outcome.fate is Fate.YIELDED and outcome.metadata is None
    assert [o.location.local_controller_id for o in outcome.others] == ["lc-3"]
    assert len(destroyed) == 1 and b'"localControllerId": "lc-1"' in destroyed[0]  # ours, never lc-3
