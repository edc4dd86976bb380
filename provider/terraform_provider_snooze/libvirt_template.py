"""Reading libvirt domain templates the way Snooze's group leader does (spec 6.1.2, 7.5).

Snooze takes the VM id from `<name>`, vcpus from `<vcpu>` and memory from `<memory>`, read as
KiB whatever its `unit` attribute says. A template it cannot parse does not fail the request:
the VM silently becomes "UNKNOWN" and can wedge the group leader's queue, so we refuse such
templates at plan time instead. Parsing uses defusedxml: templates are user input, and any DTD
is refused, since a domain needs none and Snooze's own parser would fetch what one names.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException, DTDForbidden

__all__ = ["DomainTemplate", "TemplateError", "parse_template"]


class TemplateError(ValueError):
    """The template is not a libvirt domain Snooze can start."""


@dataclass(frozen=True)
class DomainTemplate:
    name: str
    vcpus: int
    memory_kib: int
    memory_unit: str | None  # what the template says; Snooze ignores it


def parse_template(text: str) -> DomainTemplate:
    """The template as Snooze reads it; the text is parsed exactly as it is submitted."""
    try:
        root: Element = ElementTree.fromstring(text, forbid_dtd=True)
    except DTDForbidden:
        raise TemplateError(
            "it has a <!DOCTYPE> declaration: templates may not carry a DTD (a libvirt domain needs none, "
            "and Snooze's XML parser would read the files a DTD names)"
        ) from None
    except (ElementTree.ParseError, DefusedXmlException) as error:
        raise TemplateError(f"not well-formed XML: {error}") from None
    if root.tag != "domain":
        raise TemplateError(f"the root element is <{root.tag}>, a libvirt domain template has <domain>")
    # Snooze takes <name> verbatim, surrounding spaces included.
    name = root.findtext("name") or ""
    if not name.strip():
        raise TemplateError("the template has no <name>: Snooze uses it as the virtual machine id")
    vcpus = _positive_int(root, "vcpu")
    memory = _positive_int(root, "memory")
    memory_element = root.find("memory")
    unit = memory_element.get("unit") if memory_element is not None else None
    return DomainTemplate(name=name, vcpus=vcpus, memory_kib=memory, memory_unit=unit)


def _positive_int(root: Element, tag: str) -> int:
    text = (root.findtext(tag) or "").strip()
    if not text:
        raise TemplateError(f"the template has no <{tag}>")
    try:
        value = int(text)
    except ValueError:
        raise TemplateError(f"<{tag}> must be a whole number, not {text!r}") from None
    if value < 1:
        raise TemplateError(f"<{tag}> must be at least 1, not {value}")
    return value
