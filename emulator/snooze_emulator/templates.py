"""libvirt templates as Snooze's group leader and hosts read and rewrite them (spec 6.1.2, 6.1.3, 7.5).

Parsed with defusedxml: templates come from clients. What Snooze uses: <name> (the VM id),
<vcpu>, <memory> (KiB whatever its unit says) and the first disk's source file. The leader
re-marshals the domain through a small JAXB model, so elements outside it are dropped and every
interface becomes one bridge whose MAC encodes the VM's IP; a host then swaps the disk for its
overlay and adds the context CD-ROM.

In that model (libvirtConfigGenerator's LibvirtConfigDomain) <vcpu> is an int and <memory> a long:
their attributes (`current`, `placement`, `unit`) and <currentMemory> do not survive, so libvirt
boots the domain with exactly the numbers Snooze accounts (vcpus, KiB), and they are its maximum
for a live resize (spec 6.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

__all__ = ["TemplateFacts", "parse_template", "provision", "rewrite_for_leader"]

# The domain model libvirt's configGenerator marshals: anything else is lost on the way.
_MODEL = ("type", "uuid", "name", "memory", "vcpu", "os", "features", "devices")
_HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class TemplateFacts:
    name: str
    vcpus: int
    memory: int
    disk: str | None


def _domain(xml: str) -> Element | None:
    try:
        root: Element = ElementTree.fromstring(xml.strip())
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None
    return root if root.tag == "domain" else None


def parse_template(xml: str) -> TemplateFacts | None:
    """None when Snooze's JAXB unmarshalling would fail."""
    root = _domain(xml)
    if root is None:
        return None
    try:
        vcpus = int((root.findtext("vcpu") or "1").strip())
        memory = int((root.findtext("memory") or "131072").strip())
    except ValueError:
        return None
    source = root.find("./devices/disk/source")
    disk = source.get("file") if source is not None else None
    return TemplateFacts((root.findtext("name") or "").strip() or "UNKNOWN", vcpus, memory, disk)


def rewrite_for_leader(xml: str, mac: str) -> str:
    """The leader's copy: re-marshalled, with one bridge interface carrying the VM's MAC."""
    root = _domain(xml)
    if root is None:
        return xml
    for child in list(root):
        if child.tag not in _MODEL:
            root.remove(child)
    for number in (root.find("vcpu"), root.find("memory")):
        if number is not None:  # an int and a long in the model: the bare number, no attributes
            number.attrib.clear()
            number.text = _canonical((number.text or "").strip())
    devices = root.find("devices")
    if devices is None:
        devices = SubElement(root, "devices")
    for child in list(devices):
        if child.tag in ("interface", "emulator"):
            devices.remove(child)
    interface = SubElement(devices, "interface", {"type": "bridge"})
    SubElement(interface, "mac", {"address": mac})
    SubElement(interface, "source", {"bridge": "virbr0"})
    return _marshal(root)


def _canonical(number: str) -> str:
    """How JAXB writes back the number it read ("007" -> "7")."""
    return str(int(number)) if number.lstrip("+-").isdigit() else number


def provision(xml: str, name: str, driver: str, overlay: str, context_iso: str) -> str:
    """A host's copy: its hypervisor type, the overlay disk and the context CD-ROM (spec 6.1.3 step 9)."""
    root = _domain(xml)
    if root is None:
        return xml
    root.set("type", driver)
    devices = root.find("devices")
    if devices is None:
        devices = SubElement(root, "devices")
    for disk in devices.findall("disk"):
        devices.remove(disk)
    disk = Element("disk", {"type": "file", "device": "disk"})
    SubElement(disk, "driver", {"name": "qemu", "type": "qcow2"})
    SubElement(disk, "source", {"file": overlay})
    SubElement(disk, "target", {"dev": "vda", "bus": "virtio"})
    cdrom = Element("disk", {"type": "file", "device": "cdrom"})
    SubElement(cdrom, "source", {"file": context_iso})
    SubElement(cdrom, "target", {"dev": "hdc", "bus": "ide"})
    devices.insert(0, cdrom)
    devices.insert(0, disk)
    return _marshal(root)


def _marshal(root: Element) -> str:
    indent(root, space="    ")
    # JAXB writes empty elements as <x/>; attribute values never hold a raw ">", so this is safe.
    return _HEADER + tostring(root, encoding="unicode").replace(" />", "/>")
