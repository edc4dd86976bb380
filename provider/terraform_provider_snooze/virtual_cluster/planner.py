"""What to do with each VM: decided the same way for the plan (modify_plan) and for the apply
(update), from the same inputs, so that the two never disagree.

The inputs: the VM's record in state (what runs: its configuration, status and boot-time
maximum) and what the configuration asks (`Wanted`). Values known only at apply count as changes
that may force the most; the apply decides again once they are known.

| decision | when | what Snooze does |
|---|---|---|
| keep | nothing asked differs from what runs | nothing |
| update, no steps | only the record changes: a template edit Snooze would not notice (text, comments, elements it drops), an imported VM adopting the template it runs from, a power state already reached | nothing |
| update: resume, migrate, resize, pause (in this order) | `power_state`, `local_controller_id`, or a size within the boot-time maximum of a running or paused VM (a paused one is resumed for it and paused again; a resized one that moves gets its size again, which its new host does not know) | suspend/resume, live migration, resize at the VM's location |
| recreate (with its causes) | a new image, network demand or mode, a template that changes more than `<vcpu>` and `<memory>`, a size past the boot-time maximum, a size or power state asked of a VM that is neither running nor paused | destroy, wait until gone, start again under the same name |
| add, remove | a key appears or disappears | start, destroy |
| reconcile | the record is PENDING | find out whether it started (launching.py) |
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from ..runtime import cty
from ..snooze_api import Size
from .state import PAUSED, RUNNING, VmState, power_state_of
from .templates import TemplateMeaning, meaning

__all__ = ["Action", "Cause", "Decision", "Step", "Wanted", "decide"]

UNKNOWN = cty.UNKNOWN
_RESIZABLE = ("RUNNING", "PAUSED")


class Action(enum.Enum):
    KEEP = "keep"
    UPDATE = "update"  # in place: `steps`, or none when only the record changes
    RECREATE = "recreate"  # destroyed, then started again under the same name: `causes`
    ADD = "add"
    REMOVE = "remove"
    RECONCILE = "reconcile"


class Step(enum.Enum):
    RESUME = "resume"
    MIGRATE = "migrate"
    RESIZE = "resize"
    PAUSE = "pause"


@dataclass(frozen=True)
class Cause:
    """Why a VM is recreated: the attribute, and why Snooze cannot apply its change in place."""

    attribute: str
    why: str
    certain: bool = True  # False: the value is known only at apply, and may not change at all


@dataclass(frozen=True)
class Decision:
    action: Action
    steps: tuple[Step, ...] = ()
    causes: tuple[Cause, ...] = ()
    size: Size | None = None  # the size a RESIZE step asks for
    host: str | None = None  # where a MIGRATE step moves it (None: known only at apply)
    power_unknown: bool = False  # the power state asked for is known only at apply


@dataclass(frozen=True)
class Wanted:
    """What the configuration asks of one VM. None: left unset (what runs stays); UNKNOWN: known
    only at apply."""

    libvirt_template: Any = None
    vcpus: Any = None
    memory: Any = None
    image_id: Any = None
    network_demand: Any = None
    local_controller_id: Any = None
    power_state: Any = RUNNING

    @classmethod
    def of(cls, config: dict[str, Any]) -> Wanted:
        """From the VM's configured values (its element of `virtual_machines` in the config)."""
        demand = config.get("network_demand")
        if isinstance(demand, dict) and any(v is UNKNOWN for v in demand.values()):
            demand = UNKNOWN
        power = config.get("power_state")
        return cls(
            libvirt_template=config.get("libvirt_template"),
            vcpus=config.get("vcpus"),
            memory=config.get("memory"),
            image_id=config.get("image_id"),
            network_demand=demand,
            local_controller_id=config.get("local_controller_id"),
            power_state=RUNNING if power is None else power,
        )

    @cached_property
    def template(self) -> TemplateMeaning | None:
        text = self.libvirt_template
        return meaning(text) if isinstance(text, str) else None

    @property
    def template_mode(self) -> bool:
        return self.libvirt_template is not None

    def size_asked(self, prior: VmState) -> tuple[Any, Any]:
        """vcpus and memory: the template's in template mode, else as configured; unset: as now."""
        if self.libvirt_template is UNKNOWN:
            return UNKNOWN, UNKNOWN
        if self.template_mode:
            template = self.template
            return (template.vcpus, template.memory) if template else (UNKNOWN, UNKNOWN)
        vcpus = prior.vcpus if self.vcpus is None else self.vcpus
        memory = prior.memory if self.memory is None else self.memory
        return vcpus, memory


def decide(prior: VmState | None, wanted: Wanted | None) -> Decision:
    if wanted is None:
        return Decision(Action.REMOVE)
    if prior is None:
        return Decision(Action.ADD)
    if prior.is_pending:
        return Decision(Action.RECONCILE)
    causes = _recreation_causes(prior, wanted)
    if causes:
        return Decision(Action.RECREATE, causes=causes)
    return _in_place(prior, wanted)


# -- recreation ------------------------------------------------------------------------------------


def _recreation_causes(prior: VmState, wanted: Wanted) -> tuple[Cause, ...]:
    found = [
        _template_cause(prior, wanted),
        _changed(prior, wanted, "image_id", "Snooze cannot change the image a VM boots from"),
        _changed(
            prior, wanted, "network_demand", "Snooze reserves network capacity only when it places a VM"
        ),
        *_size_causes(prior, wanted),
        _power_cause(prior, wanted),
    ]
    return tuple(cause for cause in found if cause is not None)


def _changed(prior: VmState, wanted: Wanted, attribute: str, why: str) -> Cause | None:
    value = getattr(wanted, attribute)
    if value is UNKNOWN:
        return Cause(attribute, f"{attribute} is known only at apply; if it changes, {why}", certain=False)
    if value is None or _same(value, getattr(prior, attribute)):
        return None
    return Cause(attribute, f"{attribute} changes, and {why}")


def _template_cause(prior: VmState, wanted: Wanted) -> Cause | None:
    text, before = wanted.libvirt_template, prior.libvirt_template
    if text is UNKNOWN:
        return Cause("libvirt_template", "libvirt_template is known only at apply", certain=False)
    if text == before:
        return None
    if text is None:
        return Cause("libvirt_template", "it moves from template mode to parameter mode")
    template = wanted.template
    if template is None:
        return Cause("libvirt_template", "the template cannot be read")
    if before is None:
        return _adoption_cause(prior, template)
    earlier = meaning(before)
    if earlier is None or not template.same_vm(earlier):
        return Cause(
            "libvirt_template",
            "the template changes more than <vcpu> and <memory>, and Snooze cannot change the rest of a "
            "running VM",
        )
    return None


def _adoption_cause(prior: VmState, template: TemplateMeaning) -> Cause | None:
    """A VM without a template in state (imported, or started in parameter mode) may take one
    that describes it: same uuid and image, where both are known."""
    for what, have, asked in (
        ("<uuid>", prior.libvirt_uuid, template.uuid),
        ("image", prior.image_id, template.image),
    ):
        if have is not None and asked is not None and have != asked:
            return Cause(
                "libvirt_template", f"the template's {what} {asked} is not the running VM's ({have})"
            )
    return None


def _size_causes(prior: VmState, wanted: Wanted) -> list[Cause]:
    """Why the size asked for cannot be had in place (see _resize for when it can)."""
    asked = _asked_size(prior, wanted)
    if asked is UNKNOWN:
        return [_size_cause(wanted, "vcpus", "its size is known only at apply", certain=False)]
    if asked is None or asked == prior.size:
        return []
    maximum = prior.maximum
    if prior.size is None or maximum is None:
        return [_size_cause(wanted, "vcpus", "its current size or boot-time maximum is not known")]
    if prior.status not in _RESIZABLE:
        why = f"Snooze resizes only running VMs and reports it {prior.status}"
        return [_size_cause(wanted, "vcpus", why)]
    return [
        _size_cause(
            wanted,
            attribute,
            f"{attribute} {value} is more than the {limit} it booted with, and libvirt cannot grow a "
            f"running VM past its boot-time maximum (max_{attribute})",
        )
        for attribute, value, limit in (
            ("vcpus", asked.vcpus, maximum.vcpus),
            ("memory", asked.memory, maximum.memory),
        )
        if value > limit
    ]


def _size_cause(wanted: Wanted, attribute: str, why: str, certain: bool = True) -> Cause:
    """In template mode the template is what the user changed."""
    return Cause("libvirt_template" if wanted.template_mode else attribute, why, certain)


def _asked_size(prior: VmState, wanted: Wanted) -> Any:
    """The size asked for; None when it cannot be said (nothing recorded), UNKNOWN until apply."""
    vcpus, memory = wanted.size_asked(prior)
    if vcpus is UNKNOWN or memory is UNKNOWN:
        return UNKNOWN
    if vcpus is None or memory is None:
        return None
    return Size(int(vcpus), int(memory))


def _power_cause(prior: VmState, wanted: Wanted) -> Cause | None:
    """A power state asked of a VM that is neither running nor paused (it is going away)."""
    asked = wanted.power_state
    if asked is UNKNOWN or asked == prior.power_state or power_state_of(prior.status) is not None:
        return None
    return Cause("power_state", f"Snooze reports it {prior.status}: it can be neither paused nor resumed")


# -- in place --------------------------------------------------------------------------------------


def _in_place(prior: VmState, wanted: Wanted) -> Decision:
    now = power_state_of(prior.status)
    asked = _asked_size(prior, wanted)
    migrate = wanted.local_controller_id is UNKNOWN or (
        wanted.local_controller_id is not None and wanted.local_controller_id != prior.local_controller_id
    )
    # After a migration the host's record shows the boot size again (sizing.py): set it again.
    resize = isinstance(asked, Size) and (asked != prior.size or (migrate and prior.resized))
    power = wanted.power_state
    steps = [
        Step.RESUME if now == PAUSED and (resize or power == RUNNING) else None,
        Step.MIGRATE if migrate else None,
        Step.RESIZE if resize else None,
        Step.PAUSE if power == PAUSED and (now == RUNNING or (now == PAUSED and resize)) else None,
    ]
    chosen = tuple(step for step in steps if step is not None)
    size = asked if resize and isinstance(asked, Size) else None
    unknown_power = power is UNKNOWN
    if not chosen and not unknown_power and _records_agree(prior, wanted):
        return Decision(Action.KEEP)
    host = wanted.local_controller_id if migrate and isinstance(wanted.local_controller_id, str) else None
    return Decision(Action.UPDATE, steps=chosen, size=size, host=host, power_unknown=unknown_power)


def _records_agree(prior: VmState, wanted: Wanted) -> bool:
    """Whether the record already says what the configuration asks."""
    if wanted.libvirt_template != prior.libvirt_template or wanted.power_state != prior.power_state:
        return False
    configured = ["image_id", "network_demand", "local_controller_id"]
    if not wanted.template_mode:  # in template mode, the template says the size
        configured += ["vcpus", "memory"]
    return all(
        getattr(wanted, attribute) is None or _same(getattr(wanted, attribute), getattr(prior, attribute))
        for attribute in configured
    )


def _same(value: Any, recorded: Any) -> bool:
    """Equal as Terraform compares them: numbers by value, objects member by member."""
    if isinstance(value, dict) and isinstance(recorded, dict):
        return value.keys() == recorded.keys() and all(_same(value[k], recorded[k]) for k in value)
    if isinstance(value, int | Decimal) and isinstance(recorded, int | Decimal):
        return Decimal(value) == Decimal(recorded)
    return bool(value == recorded)
