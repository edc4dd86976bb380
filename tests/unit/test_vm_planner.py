"""The per-VM planner (planner.py): its decision table, and the planned values each decision gives
(planned.py). Plan and apply both call it, so these decisions are what users get."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.snooze_api import Size
from terraform_provider_snooze.virtual_cluster.planned import planned_vm
from terraform_provider_snooze.virtual_cluster.planner import Action, Decision, Step, Wanted, decide
from terraform_provider_snooze.virtual_cluster.state import VmState

UNKNOWN = cty.UNKNOWN
TEMPLATE = (
    "<domain type='kvm'><name>web</name><uuid>0f476e56-67ea-11e1-858e-00216a972a36</uuid>"
    "<memory>524288</memory><vcpu>2</vcpu><devices><disk><source file='/images/debian.qcow2'/></disk>"
    "<graphics type='vnc'/></devices></domain>"
)


def running(**changes: Any) -> VmState:
    """A parameter-mode VM that booted with 2 vcpus and 512 MiB and runs at that size."""
    vm = VmState(
        name="web",
        vcpus=Decimal(2),
        memory=Decimal(524288),
        image_id="debian.qcow2",
        network_demand={"rx_bytes": Decimal(0), "tx_bytes": Decimal(0)},
        local_controller_id="lc-1",
        power_state="running",
        status="RUNNING",
        ip_address="192.168.122.2",
        mac_address="54:56:c0:a8:7a:2",
        local_controller_address="10.0.0.5:5005",
        group_manager_id="gm-1",
        group_manager_address="10.0.0.4:5003",
        max_vcpus=Decimal(2),
        max_memory=Decimal(524288),
    )
    return replace(vm, **changes)


def template_vm(**changes: Any) -> VmState:
    return running(libvirt_template=TEMPLATE, libvirt_uuid="0f476e56-67ea-11e1-858e-00216a972a36", **changes)


def asked(**config: Any) -> Wanted:
    """A parameter-mode configuration like `running()`'s, with changes."""
    return Wanted.of({"vcpus": 2, "memory": 524288, "image_id": "debian.qcow2", **config})


def in_template(text: Any = TEMPLATE, **config: Any) -> Wanted:
    return Wanted.of({"libvirt_template": text, **config})


# -- the decision table ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prior", "wanted", "action"),
    [
        (None, asked(), Action.ADD),
        (running(), None, Action.REMOVE),
        (running(status="PENDING"), asked(), Action.RECONCILE),
        (running(), asked(), Action.KEEP),
        (running(), Wanted.of({"image_id": "debian.qcow2"}), Action.KEEP),  # unset: as it runs
        (template_vm(), in_template(), Action.KEEP),
    ],
)
def test_what_needs_no_step(prior: VmState | None, wanted: Wanted | None, action: Action) -> None:
    assert decide(prior, wanted) == Decision(action)


@pytest.mark.parametrize(
    ("prior", "wanted"),
    [
        # Whitespace, comments, attribute order, elements Snooze drops, interfaces it replaces.
        (
            template_vm(),
            in_template(
                TEMPLATE.replace("<vcpu>", "\n  <!-- two -->\n  <vcpu>")
                .replace("type='kvm'", "type='qemu'")
                .replace("<devices>", "<clock offset='utc'/><currentMemory>1</currentMemory><devices>")
                .replace(
                    "</devices>",
                    "<interface type='network'><mac address='52:54:00:00:00:01'/></interface></devices>",
                )
            ),
        ),
        # An imported VM (no template in state) takes the template that describes it.
        (running(libvirt_uuid="0f476e56-67ea-11e1-858e-00216a972a36"), in_template()),
        # The power state recorded lags behind a status already reached.
        (running(power_state="paused"), asked()),
    ],
)
def test_changes_of_the_record_only(prior: VmState, wanted: Wanted) -> None:
    assert decide(prior, wanted) == Decision(Action.UPDATE)


@pytest.mark.parametrize(
    ("prior", "wanted", "attributes", "words"),
    [
        (running(), asked(image_id="ubuntu.qcow2"), ["image_id"], "image_id changes"),
        (
            running(),
            asked(network_demand={"rx_bytes": 1, "tx_bytes": 0}),
            ["network_demand"],
            "network capacity",
        ),
        (running(), asked(vcpus=3), ["vcpus"], "vcpus 3 is more than the 2 it booted with"),
        (running(), asked(vcpus=4, memory=1048576), ["vcpus", "memory"], "memory 1048576 is more"),
        (running(status="SHUTDOWN_PENDING"), asked(vcpus=1), ["vcpus"], "reports it SHUTDOWN_PENDING"),
        (running(max_vcpus=None), asked(vcpus=1), ["vcpus"], "boot-time maximum is not known"),
        (running(status="SHUTDOWN_PENDING"), asked(power_state="paused"), ["power_state"], "neither paused"),
        (template_vm(), asked(), ["libvirt_template"], "from template mode to parameter mode"),
        (
            template_vm(),
            in_template(TEMPLATE.replace("debian.qcow2", "ubuntu.qcow2")),
            ["libvirt_template"],
            "changes more than <vcpu> and <memory>",
        ),
        (
            template_vm(),
            in_template(TEMPLATE.replace("<graphics type='vnc'/>", "")),
            ["libvirt_template"],
            "changes more",
        ),
        (template_vm(), in_template(TEMPLATE.replace("<vcpu>2", "<vcpu>4")), ["libvirt_template"], "vcpus 4"),
        (running(libvirt_uuid="aaaa"), in_template(), ["libvirt_template"], "not the running VM's"),
        (running(image_id="ubuntu.qcow2"), in_template(), ["libvirt_template"], "image debian.qcow2"),
    ],
)
def test_what_snooze_cannot_change_in_place_recreates_the_vm(
    prior: VmState, wanted: Wanted, attributes: list[str], words: str
) -> None:
    decision = decide(prior, wanted)
    assert decision.action is Action.RECREATE
    assert [cause.attribute for cause in decision.causes] == attributes
    assert words in " ".join(cause.why for cause in decision.causes)
    assert all(cause.certain for cause in decision.causes)


@pytest.mark.parametrize(
    ("wanted", "attribute"),
    [
        (asked(image_id=UNKNOWN), "image_id"),
        (asked(network_demand={"rx_bytes": UNKNOWN, "tx_bytes": 0}), "network_demand"),
        (asked(vcpus=UNKNOWN), "vcpus"),
        (in_template(UNKNOWN), "libvirt_template"),
    ],
)
def test_values_known_only_at_apply_may_recreate(wanted: Wanted, attribute: str) -> None:
    prior = template_vm() if attribute == "libvirt_template" else running()
    decision = decide(prior, wanted)
    assert decision.action is Action.RECREATE
    assert decision.causes[0].attribute == attribute and not decision.causes[0].certain


@pytest.mark.parametrize(
    ("prior", "wanted", "steps", "size"),
    [
        (running(), asked(vcpus=1, memory=262144), (Step.RESIZE,), Size(1, 262144)),
        (running(vcpus=Decimal(1)), asked(), (Step.RESIZE,), Size(2, 524288)),  # grown back, up to boot size
        (template_vm(), in_template(TEMPLATE.replace("<vcpu>2", "<vcpu>1")), (Step.RESIZE,), Size(1, 524288)),
        (running(), asked(power_state="paused"), (Step.PAUSE,), None),
        (running(status="PAUSED", power_state="paused"), asked(), (Step.RESUME,), None),
        # A paused VM is resumed for the resize and paused again.
        (
            running(status="PAUSED", power_state="paused"),
            asked(vcpus=1, power_state="paused"),
            (Step.RESUME, Step.RESIZE, Step.PAUSE),
            Size(1, 524288),
        ),
        (running(), asked(local_controller_id="lc-2"), (Step.MIGRATE,), None),
        # The host forgets a resize when the VM moves: the size is set again after the move.
        (
            running(vcpus=Decimal(1)),
            asked(vcpus=1, local_controller_id="lc-2", power_state="paused"),
            (Step.MIGRATE, Step.RESIZE, Step.PAUSE),
            Size(1, 524288),
        ),
    ],
)
def test_in_place_steps(prior: VmState, wanted: Wanted, steps: tuple[Step, ...], size: Size | None) -> None:
    decision = decide(prior, wanted)
    assert (decision.action, decision.steps, decision.size) == (Action.UPDATE, steps, size)


def test_a_host_or_power_state_known_only_at_apply_is_decided_then() -> None:
    moving = decide(running(), asked(local_controller_id=UNKNOWN))
    assert (moving.steps, moving.host) == ((Step.MIGRATE,), None)
    assert decide(running(), asked(local_controller_id="lc-2")).host == "lc-2"
    power = decide(running(), asked(power_state=UNKNOWN))
    assert (power.action, power.steps, power.power_unknown) == (Action.UPDATE, (), True)


# -- planned values --------------------------------------------------------------------------------


def plan(prior: VmState, wanted: Wanted) -> dict[str, Any]:
    before = prior.to_value()
    return planned_vm(before, dict(before), wanted, decide(prior, wanted))


def test_a_resize_or_power_change_keeps_everything_snooze_reported() -> None:
    before = running().to_value()
    assert plan(running(), asked(vcpus=1)) == {**before, "vcpus": 1}
    assert plan(running(), asked(power_state="paused")) == {
        **before,
        "power_state": "paused",
        "status": "PAUSED",
    }
    assert plan(running(), asked()) == before


def test_a_migration_leaves_where_it_runs_to_snooze() -> None:
    values = plan(running(), asked(local_controller_id="lc-2"))
    assert values["local_controller_id"] == "lc-2" and values["ip_address"] == "192.168.122.2"
    for attribute in ("local_controller_address", "group_manager_id", "group_manager_address", "status"):
        assert values[attribute] is UNKNOWN


def test_a_recreated_vm_keeps_only_what_is_configured() -> None:
    values = plan(running(), asked(image_id="ubuntu.qcow2"))
    assert (values["image_id"], values["vcpus"], values["power_state"]) == ("ubuntu.qcow2", 2, "running")
    assert values["network_demand"] == {"rx_bytes": 0, "tx_bytes": 0}, "a new VM keeps its network demand"
    for attribute in (
        "ip_address",
        "mac_address",
        "status",
        "local_controller_id",
        "max_vcpus",
        "error_code",
    ):
        assert values[attribute] is UNKNOWN, attribute
    in_template_mode = plan(template_vm(), in_template(TEMPLATE.replace("<vcpu>2", "<vcpu>4")))
    assert (in_template_mode["vcpus"], in_template_mode["image_id"]) == (4, UNKNOWN)


def test_an_added_vm_in_template_mode_plans_the_templates_size() -> None:
    planned = {"vcpus": UNKNOWN, "memory": UNKNOWN, "power_state": None}
    values = planned_vm(None, planned, in_template(), decide(None, in_template()))
    assert values == {"vcpus": 2, "memory": 524288, "power_state": "running"}
