"""libvirt templates as Snooze's group leader reads and rewrites them (spec 6.1.2, 7.5).

Parsed with defusedxml: templates come from clients. What Snooze uses: <name> (the VM id),
<vcpu>, <memory> (KiB whatever its unit says) and the first disk's source file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

__all__ = ["TemplateFacts", "parse_template", "rewrite_interfaces"]


@dataclass(frozen=True)
class TemplateFacts:
    name: str
    vcpus: int
    memory: int
    disk: str | None


def parse_template(xml: str) -> TemplateFacts | None:
    """None when Snooze's JAXB unmarshalling would fail."""
    try:
        root: Element = ElementTree.fromstring(xml.strip())
    except (ElementTree.ParseError, DefusedXmlException):
        return None
    if root.tag != "domain":
        return None
    try:
        vcpus = int((root.findtext("vcpu") or "1").strip())
        memory = int((root.findtext("memory") or "131072").strip())
    except ValueError:
        return None
    source = root.find("./devices/disk/source")
    disk = source.get("file") if source is not None else None
    return TemplateFacts((root.findtext("name") or "").strip() or "UNKNOWN", vcpus, memory, disk)


_INTERFACE = re.compile(r"<interface\b.*?(?:/>|</interface>)", re.DOTALL)


def rewrite_interfaces(xml: str, mac: str) -> str:
    """Every interface becomes one bridge on virbr0 whose MAC encodes the VM's IP."""
    replacement = f'<interface type="bridge"><mac address="{mac}"/><source bridge="virbr0"/></interface>'
    without = _INTERFACE.sub("", xml)
    if "</devices>" in without:
        return without.replace("</devices>", replacement + "</devices>", 1)
    return without.replace("</domain>", f"<devices>{replacement}</devices></domain>", 1)
