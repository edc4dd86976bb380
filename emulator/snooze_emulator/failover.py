"""Nodes dying: the group leader's failover and the rejoin window after it (spec 1.3), a host down.

After a failover the other group managers join the new leader only once their heartbeat timeout
ran out (`rejoin_delay`), each on its own: until a group manager has joined, the leader neither sees
nor dispatches to it, and its fresh IP pool still holds that group manager's VMs' addresses, so it
may hand one of them to a new VM (that runs, with a duplicate IP and MAC, when another group manager
already joined). Hosts left without a group manager (the new leader's and the dead one's) are
assigned to the group managers that joined.
"""

from __future__ import annotations

from .model import Cluster, GroupManager, LeaderState

__all__ = ["fail_over", "rejoin", "take_down"]


def fail_over(cluster: Cluster) -> GroupManager:
    """The leader dies; the next group manager is elected. Results, queue and IP pool die with
    the old leader: the new one starts a fresh pool and knows no group manager until they join."""
    old = cluster.leader
    old.alive = False
    successors = [gm for gm in cluster.group_managers.values() if gm.alive]
    if not successors:
        raise RuntimeError("no group manager is left to become group leader")
    new = successors[0]
    cluster.leader_id = new.id
    state = cluster.leader_state = LeaderState(cluster.fresh_pool())
    if not cluster.managers():
        # The last group manager keeps its old hosts and places VMs on them (spec 12.22).
        _rehome_hosts(cluster, [new])
        _join(cluster, state, new)
    elif cluster.config.timing.rejoin_delay <= 0:
        rejoin(cluster)
    else:
        cluster.scheduler.after(cluster.config.timing.rejoin_delay, lambda: _rejoin(cluster, state, None))
    return new


def rejoin(cluster: Cluster, gm_id: str | None = None) -> None:
    """The group managers still out of the window (or only this one) join the leader now."""
    _rejoin(cluster, cluster.leader_state, gm_id)


def _rejoin(cluster: Cluster, state: LeaderState, only: str | None) -> None:
    if cluster.leader_state is not state:
        return  # another failover came first
    joining = [gm for gm in cluster.rejoining() if only in (None, gm.id)]
    if not joining:
        return
    joined = [gm for gm in cluster.managers() if gm.id in state.joined or gm in joining]
    _rehome_hosts(cluster, joined)
    for gm in joining:
        _join(cluster, state, gm)


def _rehome_hosts(cluster: Cluster, managers: list[GroupManager]) -> None:
    """Hosts whose group manager is gone (dead, or now leading) are assigned to these in turn;
    their VMs follow."""
    alive = {gm.id for gm in cluster.managers()}
    orphans = [lc for lc in cluster.local_controllers.values() if lc.group_manager_id not in alive]
    for index, lc in enumerate(orphans):
        lc.group_manager_id = managers[index % len(managers)].id
    for vm in cluster.vms:
        vm.group_manager_id = cluster.local_controllers[vm.local_controller_id].group_manager_id


def _join(cluster: Cluster, state: LeaderState, gm: GroupManager) -> None:
    """The group manager reports its hosts and VMs: the leader takes their IPs out of its pool."""
    in_use = {vm.ip for vm in cluster.vms_of(gm.id)}
    state.ip_pool[:] = [ip for ip in state.ip_pool if ip not in in_use]
    state.joined.add(gm.id)


def take_down(cluster: Cluster, lc_id: str) -> None:
    """A host fails: its VMs die with it and their IPs return to the pool."""
    cluster.host(lc_id).up = False
    for vm in cluster.vms_on(lc_id):
        cluster.remove_vm(vm)
