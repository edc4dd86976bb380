"""Which VM is which: Snooze names VMs but never checks names for uniqueness (spec 4).

A VM instance is told apart by what Snooze keeps for its whole life: its name, IP address, MAC
address and, when its template had one, its libvirt `<uuid>`. No field is enough alone: after a
leader failover the new leader's fresh IP pool may hand out an address still in use (spec 1.3),
and the MAC is derived from the IP (spec 7.4). Snooze keeps at most one domain of a name per local
controller, so a matching VM at the recorded local controller is the one recorded.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .models import UNKNOWN, VirtualMachineLocation, VirtualMachineMetaData

__all__ = [
    "DomainFacts",
    "Fingerprint",
    "Presence",
    "Resolution",
    "VmRecord",
    "domain_facts",
    "judge_at_home",
    "match_in_listing",
    "parse_domain",
]


@dataclass(frozen=True)
class Fingerprint:
    name: str
    ip_address: str | None
    mac_address: str | None
    libvirt_uuid: str | None

    @classmethod
    def of(cls, vm: VirtualMachineMetaData) -> Fingerprint:
        facts = domain_facts(vm.xml_representation)
        return cls(
            name=vm.location.virtual_machine_id,
            ip_address=_known(vm.ip_address),
            mac_address=facts.mac,
            libvirt_uuid=facts.uuid,
        )

    def matches(self, seen: Fingerprint) -> bool:
        """Whether `seen` (read from Snooze now) is the instance this fingerprint was taken of.

        A recorded fingerprint without a MAC predates MAC recording and is matched on name and IP;
        one without a uuid came from a template without `<uuid>`.
        """
        if self.name != seen.name or self.ip_address is None or self.ip_address != seen.ip_address:
            return False
        if self.mac_address is not None and self.mac_address != seen.mac_address:
            return False
        return self.libvirt_uuid is None or self.libvirt_uuid == seen.libvirt_uuid


@dataclass(frozen=True)
class VmRecord:
    """One VM instance as its owner recorded it: what identifies it, and where it was last seen."""

    fingerprint: Fingerprint
    location: VirtualMachineLocation

    @property
    def name(self) -> str:
        return self.fingerprint.name


class Presence(enum.Enum):
    FOUND = "found"  # ours, at `metadata.location`
    GONE = "gone"  # Snooze says ours exists no more
    UNSEEN = "unseen"  # no usable answer: it may well exist (rejoin window, a group manager away)
    AMBIGUOUS = "ambiguous"  # several VMs fit the record: acting on any would be a guess


@dataclass(frozen=True)
class Resolution:
    presence: Presence
    metadata: VirtualMachineMetaData | None = None
    reason: str = ""

    @property
    def found(self) -> VirtualMachineMetaData:
        assert self.metadata is not None and self.presence is Presence.FOUND
        return self.metadata


def match_in_listing(record: VmRecord, named: Sequence[VirtualMachineMetaData]) -> Resolution | None:
    """Resolves `record` among the listed VMs of its name; None when none of them is ours.

    A listing is trustworthy for what it shows, but a VM missing from it may still exist.
    """
    ours = [vm for vm in named if record.fingerprint.matches(Fingerprint.of(vm))]
    at_home = [vm for vm in ours if vm.location.local_controller_id == record.location.local_controller_id]
    if at_home:
        return Resolution(Presence.FOUND, at_home[0])
    if len(ours) == 1:
        return Resolution(Presence.FOUND, ours[0], "moved")
    if ours:
        hosts = ", ".join(sorted(vm.location.local_controller_id for vm in ours))
        return Resolution(
            Presence.AMBIGUOUS,
            reason=f"{len(ours)} VMs named {record.name!r} carry its IP and MAC (on local controllers "
            f"{hosts}); none of them is where it was recorded",
        )
    return None


def judge_at_home(record: VmRecord, answer: VirtualMachineMetaData) -> Resolution:
    """The group manager's answer about the recorded location, for a VM the listing did not show."""
    if answer.is_gone:
        return Resolution(Presence.GONE, reason="its group manager no longer has it")
    if record.fingerprint.matches(Fingerprint.of(answer)):
        return Resolution(Presence.FOUND, answer)
    return Resolution(Presence.GONE, reason="another VM of that name now runs where it was")


def _known(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value in ("", UNKNOWN) else value


@dataclass(frozen=True)
class DomainFacts:
    """What the provider reads from a domain's XML: MAC and libvirt uuid (lower-cased), and the
    `<vcpu>` and `<memory>` texts."""

    mac: str | None = None
    uuid: str | None = None
    vcpu: str | None = None
    memory: str | None = None


@functools.lru_cache(maxsize=4096)
def domain_facts(xml: str) -> DomainFacts:
    """Parsed once per XML text and process: a refresh looks at each listed VM several times
    (resolution, ownership, name claims, its boot size), and parsing its XML each time was a
    quarter of the refresh's CPU."""
    domain = parse_domain(xml)
    if domain is None:
        return DomainFacts()
    interface = domain.find("./devices/interface/mac")
    mac = _known(interface.get("address") if interface is not None else None)
    uuid = _known(domain.findtext("uuid"))
    return DomainFacts(
        mac=mac.lower() if mac else None,
        uuid=uuid.lower() if uuid else None,
        vcpu=domain.findtext("vcpu"),
        memory=domain.findtext("memory"),
    )


def parse_domain(xml: str) -> Element | None:
    """The `<domain>` of a VM's XML; None when there is none (UNKNOWN, not XML, another root)."""
    if not xml or xml == UNKNOWN:
        return None
    try:
        root: Element = ElementTree.fromstring(xml.strip())
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None
    return root if root.tag == "domain" else None
