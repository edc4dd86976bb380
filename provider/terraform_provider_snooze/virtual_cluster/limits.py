"""What a virtual machine's name and numbers may be: what Snooze, its Java types and libvirt accept.

Snooze checks none of this itself. A name it cannot use yields a VM called "UNKNOWN" or a disk
overlay outside its directory; a number its Java types cannot hold is refused as a malformed
request (HTTP 415) long after the plan. So each rule is checked at validate time, and every
message names the VM by its key and the attribute, because Terraform before 1.15 shows errors
on nested attributes at the resource's first line.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..runtime import cty
from ..runtime.cty.path import AttributePath
from ..runtime.diagnostics import Diagnostics

__all__ = [
    "MEMORY_KIB",
    "MEMORY_WARNING_BELOW_KIB",
    "NAME_MAX_LENGTH",
    "NETWORK",
    "VCPUS",
    "NumberRange",
    "name_problem",
    "shown",
]

# Snooze stores a VM's disk as `<destination>/<name>` and libvirt keeps files named after the
# domain: a name is a file name, and a short one leaves room for libvirt's suffixes.
NAME_MAX_LENGTH = 64
_NAME_CHARACTERS = frozenset(string.ascii_letters + string.digits + "._-")


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a Snooze VM id and libvirt domain name, or None when it can."""
    if not name:
        return 'is empty: Snooze would start the VM under the name "UNKNOWN", which Terraform cannot track'
    if len(name) > NAME_MAX_LENGTH:
        return f"is {len(name)} characters long; a VM name has at most {NAME_MAX_LENGTH}"
    if "/" in name:
        return (
            "contains '/': Snooze stores the VM's disk as <destination>/<name>, and libvirt refuses '/' "
            "in domain names"
        )
    odd = next((c for c in name if c not in _NAME_CHARACTERS), None)
    if odd is not None:
        return (
            f"contains {json.dumps(odd, ensure_ascii=not odd.isprintable())}: a VM name may hold only ASCII letters, digits, '.', '_' and '-' "
            "(Snooze and libvirt use it as a file name and inside XML)"
        )
    if name[0] in "._-":
        return (
            f"starts with {name[0]!r}: a VM name starts with a letter or a digit (a leading '.' makes "
            "hidden or special files such as '..', a leading '-' reads as a command-line option)"
        )
    return None


@dataclass(frozen=True)
class NumberRange:
    """Numbers an attribute accepts, both ends included, and why its bounds are what they are."""

    summary: str  # the diagnostic's summary, e.g. "Invalid vcpus"
    minimum: int
    maximum: int
    meaning: str  # completes "<path> is <value>: ...", e.g. "a VM has from 1 to 4096 vcpus"
    whole: bool = True
    maximum_note: str = ""  # what the maximum amounts to, for the documentation

    @property
    def documentation(self) -> str:
        kind = "A whole number" if self.whole else "A number"
        return f"{kind} from {self.minimum} to {self.maximum}{self.maximum_note}."

    def contains(self, value: int | Decimal) -> bool:
        return self.minimum <= value <= self.maximum and (not self.whole or value == int(value))

    def validate(self, value: Any, path: AttributePath, diagnostics: Diagnostics) -> None:
        """A validator (schema.Validator) for a known number."""
        if self.whole and value != int(value):
            diagnostics.error(self.summary, f"{path} is {shown(value)}: it must be a whole number.", path)
        elif not self.contains(value):
            diagnostics.error(self.summary, f"{path} is {shown(value)}: {self.meaning}.", path)


def shown(value: int | Decimal) -> str:
    """A number as a user would write it; huge ones in exponent form rather than 300 digits."""
    text = cty.number_text(Decimal(value))
    return text if len(text) <= 24 else format(Decimal(value).normalize(), "g")


VCPUS = NumberRange(
    summary="Invalid vcpus",
    minimum=1,
    maximum=4096,
    meaning="a virtual machine needs at least 1 vcpu and can have at most 4096 (more than any "
    "hypervisor gives one guest; Snooze reads vcpus as a Java int)",
)
MEMORY_KIB = NumberRange(
    summary="Invalid memory",
    minimum=1,
    maximum=2**36,
    meaning=f"memory is in KiB and must be positive, at most {2**36} (64 TiB, more than any "
    "hypervisor gives one guest; Snooze reads memory as a Java long of KiB)",
    maximum_note=" (64 TiB)",
)
NETWORK = NumberRange(
    summary="Invalid network demand",
    minimum=0,
    maximum=10**12,
    meaning=f"network demand cannot be negative, and at most {10**12} (in the unit of the local "
    "controllers' network capacity, KB by Snooze's default: far beyond any network link)",
    whole=False,
)
# Below this, memory was most likely meant in MiB: no operating system boots in it.
MEMORY_WARNING_BELOW_KIB = 65536
