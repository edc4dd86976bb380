"""Templates compared by what Snooze runs from them, not by their text (spec 6.1.2, 6.1.3, 7.5).

Snooze reads a template through a small domain model and rebuilds it: whitespace, comments,
attribute order and every element outside the model (`<clock>`, `<on_poweroff>`,
`<currentMemory>`, `<description>`, ...) are lost; every `<interface>` becomes one bridge carrying
the VM's MAC; `<vcpu>` and `<memory>` keep only their numbers (memory is read as KiB whatever its
unit says). The host then sets the domain's type, the OS type and the features, and replaces the
disks by an overlay on the image the first disk names and the context CD-ROM. So two templates
start the same VM when they agree on the name, the uuid, the image (the first disk's file name)
and what else survives (the `<os>` settings but its type, the other devices); they differ in size
only when their `<vcpu>` or `<memory>` differ.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

__all__ = ["TemplateMeaning", "meaning"]

# What Snooze's domain model keeps of a template; the host replaces type and features itself.
_KEPT = ("uuid", "name", "memory", "vcpu", "os", "devices")
_REPLACED_DEVICES = ("interface", "emulator", "disk")

Canonical = tuple[Any, ...]


@dataclass(frozen=True)
class TemplateMeaning:
    name: str
    vcpus: int | None
    memory: int | None  # KiB, as Snooze reads it
    image: str | None  # the file name of the first disk's source: the image Snooze boots
    uuid: str | None
    rest: Canonical  # everything else Snooze keeps, order of elements kept

    def same_vm(self, other: TemplateMeaning) -> bool:
        """Whether both start the same VM, but perhaps for its size."""
        return (self.name, self.image, self.uuid, self.rest) == (
            other.name,
            other.image,
            other.uuid,
            other.rest,
        )


def meaning(text: str) -> TemplateMeaning | None:
    """None when Snooze could not read it (validation reports why)."""
    try:
        root: Element = ElementTree.fromstring(text, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None
    if root.tag != "domain":
        return None
    kept = [child for child in root if child.tag in _KEPT]
    rest = tuple(_canonical(child) for child in kept if child.tag not in ("uuid", "name", "memory", "vcpu"))
    uuid = (root.findtext("uuid") or "").strip().lower() or None
    return TemplateMeaning(
        name=root.findtext("name") or "",
        vcpus=_number(root.findtext("vcpu")),
        memory=_number(root.findtext("memory")),
        image=_image(root),
        uuid=uuid,
        rest=rest,
    )


def _canonical(element: Element) -> Canonical:
    """An element as Snooze keeps it: attributes in any order, text stripped, comments gone."""
    children = list(element)
    if element.tag == "devices":
        children = [child for child in children if child.tag not in _REPLACED_DEVICES]
    elif element.tag == "os":
        children = [child for child in children if child.tag != "type"]
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        tuple(_canonical(child) for child in children),
    )


def _image(root: Element) -> str | None:
    source = root.find("./devices/disk/source")
    path = source.get("file") if source is not None else None
    return posixpath.basename(path) if path else None


def _number(text: str | None) -> int | None:
    try:
        return int((text or "").strip())
    except ValueError:
        return None
