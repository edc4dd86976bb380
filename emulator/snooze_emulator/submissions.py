"""The virtual cluster submission pipeline (spec 6.1): group leader, group managers, hosts.

The leader builds the VMs and takes their IPs at once and answers a task id; one worker at a time
then dispatches VMs to group managers (retrying busy ones), each group manager places and starts
its VMs while busy, and the leader collects the answers in rounds. Results are stored under the
task id until read. Everything after the task id happens on the cluster's scheduler, so a result is
never ready in the call that created it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from . import policies
from .model import UNKNOWN, Cluster, GroupManager, LeaderState, VirtualMachine
from .templates import parse_template, provision, rewrite_for_leader

__all__ = ["IMAGE_SOURCE", "INSTANCES", "mac_for", "start_virtual_cluster", "take_result"]

IMAGE_SOURCE = "/var/lib/snooze/images"  # imageRepository.manager.source on the hosts
INSTANCES = "/var/lib/snooze/instances"  # where hosts create the VMs' overlay disks
RUNNING, ERROR = "RUNNING", "ERROR"


@dataclass
class _Submission:
    task_id: str
    vms: list[VirtualMachine]  # the leader's copies, in request order
    leader: LeaderState  # the leadership it belongs to; a failover makes it moot
    sent: dict[str, list[VirtualMachine]] = field(default_factory=dict)  # awaiting an answer
    answers: dict[str, list[VirtualMachine]] = field(default_factory=dict)  # group managers' answers
    unsent: int = 0  # group managers the leader is still trying to hand VMs to
    error: str | None = None


# -- the leader's synchronous part (spec 6.1.2) -----------------------------------------------------


def start_virtual_cluster(cluster: Cluster, templates: list[dict[str, Any]] | None) -> str | None:
    """Build, allocate IPs, queue; the task id, or None when Snooze rejects the whole request."""
    if templates is None:
        return None  # no virtualMachineTemplates: an NPE caught inside
    if cluster.config.quirks.null_host_id_rejects_submission and any(
        "hostId" in t and t["hostId"] is None for t in templates
    ):
        return None
    vms = [vm for vm in (_build(cluster, t) for t in templates) if vm is not None]
    for vm in vms:
        ip = cluster.take_ip()
        if ip is None:
            vm.status, vm.error_code = ERROR, "NOT_ENOUGH_IP_ADDRESSES"
            continue
        vm.ip = ip
        if vm.parsed:  # an unparsable template keeps its text, and its IP (spec 6.1.3 step 10)
            vm.xml = rewrite_for_leader(vm.xml, mac_for(ip))
    state = cluster.leader_state
    submission = _Submission(str(uuid.uuid4()), vms, state)
    state.queue.append(submission)
    _next_worker(cluster, state)
    return submission.task_id


def _build(cluster: Cluster, template: dict[str, Any]) -> VirtualMachine | None:
    """None: the VM is silently left out of the submission."""
    demand = template.get("networkCapacityDemand") or {}
    rx, tx = float(demand.get("rxBytes") or 0), float(demand.get("txBytes") or 0)
    # libVirtTemplate and libVirtDescription set the same Java field: the last one read wins.
    xml = next(
        (template[k] for k in reversed(list(template)) if k in ("libVirtTemplate", "libVirtDescription")),
        None,
    )
    if xml and xml.strip():
        facts = parse_template(xml)
        if facts is None:  # Snooze logs and keeps the bean's defaults
            vm = VirtualMachine(UNKNOWN, [1.0, 131072.0, 0.0, 0.0], xml, None, parsed=False)
        else:
            image = _image(facts.disk.rsplit("/", 1)[-1], facts.disk) if facts.disk else None
            vm = VirtualMachine(facts.name, [float(facts.vcpus), float(facts.memory), rx, tx], xml, image)
    else:
        image_id = template.get("imageId")
        known = cluster.config.accept_any_image or image_id in cluster.config.images
        if not known and cluster.config.quirks.unknown_image_drops_vm:
            return None  # the image repository lookup failed
        name = template.get("name") or UNKNOWN
        vcpus = int(template["vcpus"]) if template.get("vcpus") is not None else 1
        memory = int(template["memory"]) if template.get("memory") is not None else 131072
        xml = (
            f"<domain><name>{escape(name)}</name><memory>{memory}</memory><vcpu>{vcpus}</vcpu>"
            "<devices/></domain>"
        )
        vm = VirtualMachine(
            name,
            [float(vcpus), float(memory), rx, tx],
            xml,
            _image(str(image_id), f"{IMAGE_SOURCE}/{image_id}"),
        )
    vm.pinned = template.get("hostId") or UNKNOWN
    return vm


def _image(name: str, path: str) -> dict[str, Any]:
    return {"name": name, "path": path, "format": "raw", "capacity": 0, "allocation": 0, "backingStore": None}


def mac_for(ip: str) -> str:
    """54:56 then each octet in lower-case hex without zero padding (spec 7.4)."""
    return "54:56:" + ":".join(format(int(octet), "x") for octet in ip.split("."))


# -- the worker: dispatch, start, collect (spec 6.1.3) ---------------------------------------------


def _next_worker(cluster: Cluster, state: LeaderState) -> None:
    """One worker at a time, FIFO; a wedged queue never moves again."""
    if state.working or state.wedged or not state.queue:
        return
    state.working = True
    submission: _Submission = state.queue.pop(0)
    cluster.scheduler.after(0, lambda: _dispatch(cluster, submission))


def _current(cluster: Cluster, submission: _Submission) -> bool:
    return cluster.leader_state is submission.leader


def _dispatch(cluster: Cluster, submission: _Submission) -> None:
    if not _current(cluster, submission):
        return
    managers = cluster.known_managers()  # none while they have not rejoined after a failover
    if not managers:
        submission.error = "GROUP_MANAGERS_MISSING"
        _finish(cluster, submission)
        return
    plan = policies.dispatch(cluster, submission.vms, managers, submission.leader)
    submission.sent = plan
    submission.unsent = len(plan)
    if not plan:
        _schedule_collection(cluster, submission, 1)
    for gm_id in plan:
        _hand_over(cluster, submission, cluster.group_managers[gm_id], 0)


def _hand_over(cluster: Cluster, submission: _Submission, gm: GroupManager, attempt: int) -> None:
    """startVirtualMachines on a group manager, retried while it is busy (spec 6.1.3 step 5)."""
    if not _current(cluster, submission):
        return
    timing = cluster.config.timing
    if gm.alive and not gm.busy():
        _group_manager_starts(cluster, submission, gm)
    elif attempt < timing.dispatch_retries:
        cluster.scheduler.after(
            timing.dispatch_retry_interval, lambda: _hand_over(cluster, submission, gm, attempt + 1)
        )
        return
    else:
        for vm in submission.sent.pop(gm.id):
            vm.status, vm.error_code = ERROR, "UNABLE_TO_START_ON_GROUP_MANAGER"
    submission.unsent -= 1
    if submission.unsent == 0:
        _schedule_collection(cluster, submission, 1)


def _group_manager_starts(cluster: Cluster, submission: _Submission, gm: GroupManager) -> None:
    """The group manager's worker: busy (MANAGEMENT) while it places and starts its VMs."""
    batch = [vm.copy() for vm in submission.sent[gm.id]]  # the group manager's own records
    for vm in batch:
        vm.group_manager_id, vm.local_controller_id = gm.id, UNKNOWN
    delay = cluster.config.timing.start_delay
    gm.keep_busy(delay)
    placed = policies.place(cluster, gm, batch)
    cluster.scheduler.after(delay, lambda: _hosts_start(cluster, submission, gm, batch, placed))


def _hosts_start(
    cluster: Cluster,
    submission: _Submission,
    gm: GroupManager,
    batch: list[VirtualMachine],
    placed: dict[str, list[VirtualMachine]],
) -> None:
    """Each host starts its VMs; running ones enter the group manager's repository.

    This happens even when the leader has died meanwhile: group managers outlive it."""
    for lc_id, vms in placed.items():
        lc = cluster.local_controllers[lc_id]
        if not lc.up or any(vm.image is None for vm in vms):
            # The host's call failed (down, or an NPE on a VM without image): all its VMs fail.
            for vm in vms:
                vm.status, vm.error_code = ERROR, "INVALID_SUBMISSION_RESPONSE"
            continue
        for vm in vms:
            if any(other.name == vm.name and other.local_controller_id == lc_id for other in cluster.vms):
                vm.status, vm.error_code = ERROR, "FAILED_TO_START_ON_HYPERVISOR"  # libvirt refuses
                continue
            vm.boot()
            _provision(vm)
            vm.group_manager_id = lc.group_manager_id  # the host may have moved meanwhile (failover)
            cluster.vms.append(vm)
    for vm in batch:
        if vm.status != RUNNING:
            vm.local_controller_id = UNKNOWN if vm.pinned not in cluster.local_controllers else vm.pinned
    # The group manager lists the VMs it could not place first.
    unplaced = [vm for vm in batch if vm.status != RUNNING]
    submission.answers[gm.id] = [vm.copy() for vm in unplaced + [vm for vm in batch if vm.status == RUNNING]]


def _provision(vm: VirtualMachine) -> None:
    """The host's record: an overlay disk backed by the image of that name in its source directory."""
    assert vm.image is not None
    overlay = f"{INSTANCES}/{vm.name}"
    vm.xml = provision(vm.xml, vm.name, "qemu", overlay, f"{IMAGE_SOURCE}/context.iso")
    vm.image = {
        "name": vm.name,
        "path": overlay,
        "format": "qcow2",
        "capacity": 0,
        "allocation": 0,
        "backingStore": f"{IMAGE_SOURCE}/{vm.image['name']}",
    }


def _schedule_collection(cluster: Cluster, submission: _Submission, round_: int) -> None:
    cluster.scheduler.after(
        cluster.config.timing.collection_delay, lambda: _collect(cluster, submission, round_)
    )


def _collect(cluster: Cluster, submission: _Submission, round_: int) -> None:
    """A collection round: merge the answers that are in; flag the VMs still waiting."""
    if not _current(cluster, submission):
        return
    quirks = cluster.config.quirks
    for gm_id in list(submission.sent):
        if gm_id in submission.answers:
            _merge(
                submission.sent.pop(gm_id), submission.answers[gm_id], by_index=quirks.answers_merged_by_index
            )
    if submission.sent:
        waiting = (
            submission.vms
            if quirks.uncollected_marks_whole_cluster
            else [vm for vms in submission.sent.values() for vm in vms]
        )
        for vm in waiting:
            vm.status, vm.error_code = ERROR, "UNABLE_TO_COLLECT_GROUP_MANAGER_RESPONSE"
        if round_ < cluster.config.timing.collection_rounds:
            _schedule_collection(cluster, submission, round_ + 1)
            return
    _finish(cluster, submission)


def _merge(sent: list[VirtualMachine], answer: list[VirtualMachine], *, by_index: bool) -> None:
    """Only status, error code and location come back from the group manager (spec 6.1.3 step 7)."""
    if by_index:
        pairs = list(zip(sent, answer, strict=False))  # how Snooze pairs them, right or wrong
    else:
        pool = list(answer)
        pairs = []
        for vm in sent:
            match = next((a for a in pool if a.name == vm.name), None)
            if match is not None:
                pool.remove(match)
                pairs.append((vm, match))
    for mine, theirs in pairs:
        mine.status, mine.error_code = theirs.status, theirs.error_code
        mine.name = theirs.name
        mine.local_controller_id, mine.group_manager_id = theirs.local_controller_id, theirs.group_manager_id


def _finish(cluster: Cluster, submission: _Submission) -> None:
    """Return the IPs of VMs that are not running, store the result, start the next worker."""
    if not _current(cluster, submission):
        return
    state = submission.leader
    state.working = False
    for vm in submission.vms:
        if vm.status == RUNNING or vm.error_code == "NOT_ENOUGH_IP_ADDRESSES":
            continue
        if not vm.parsed and vm.ip != UNKNOWN and cluster.config.quirks.unparsable_template_wedges_queue:
            # Re-reading the MAC from the untouched XML throws: the callback dies before storing
            # the result and before starting the next worker.
            state.wedged = True
            return
        cluster.release_ip(vm.ip)
        vm.ip = UNKNOWN
    state.results[submission.task_id] = {"errorCode": submission.error, "vms": submission.vms}
    _next_worker(cluster, state)


def take_result(cluster: Cluster, task_id: str) -> dict[str, Any] | None:
    """The finished submission; by default the first read consumes it (spec 6.1.4)."""
    results: dict[str, dict[str, Any]] = cluster.leader_state.results
    if cluster.config.quirks.one_shot_results:
        return results.pop(task_id, None)
    return results.get(task_id)
