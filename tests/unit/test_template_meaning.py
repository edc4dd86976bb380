"""Templates compared by what Snooze runs from them (templates.py)."""

from __future__ import annotations

import pytest
from terraform_provider_snooze.virtual_cluster.templates import meaning

TEMPLATE = """<domain type="kvm">
  <name>web</name>
  <uuid>0F476E56-67EA-11E1-858E-00216A972A36</uuid>
  <memory>200000</memory>
  <vcpu>2</vcpu>
  <os><type arch="x86_64" machine="pc">hvm</type><boot dev="hd"/></os>
  <devices>
    <disk device="disk" type="file"><source file="/images/debian.qcow2"/></disk>
    <interface type="bridge"><mac address="52:54:01:84:26:2c"/></interface>
    <graphics autoport="yes" type="vnc"/>
  </devices>
</domain>"""


def test_what_a_template_says_to_snooze() -> None:
    read = meaning(TEMPLATE)
    assert read is not None
    assert (read.name, read.vcpus, read.memory, read.image) == ("web", 2, 200000, "debian.qcow2")
    assert read.uuid == "0f476e56-67ea-11e1-858e-00216a972a36"
    assert meaning("<domain><name>web</name") is None and meaning("<vm/>") is None


@pytest.mark.parametrize(
    "edited",
    [
        " ".join(TEMPLATE.split()),  # whitespace
        TEMPLATE.replace("<vcpu>", "<!-- sized for the batch jobs --><vcpu>"),
        TEMPLATE.replace('arch="x86_64" machine="pc"', 'machine="pc" arch="x86_64"'),
        TEMPLATE.replace("</vcpu>", "</vcpu><clock offset='utc'/><currentMemory>1</currentMemory>"),
        TEMPLATE.replace("52:54:01:84:26:2c", "52:54:00:00:00:01"),  # Snooze replaces interfaces
        TEMPLATE.replace('type="kvm"', 'type="qemu"'),  # the host sets the domain's type
        TEMPLATE.replace(">hvm<", ">xen<"),  # and the OS type
        TEMPLATE.replace("/images/debian.qcow2", "/elsewhere/debian.qcow2"),  # only the file name counts
        TEMPLATE.replace("<memory>", '<memory unit="MiB">'),  # read as KiB whatever the unit
    ],
)
def test_edits_snooze_would_not_notice(edited: str) -> None:
    before, after = meaning(TEMPLATE), meaning(edited)
    assert before is not None and after is not None
    assert after == before


@pytest.mark.parametrize(
    "edited",
    [
        TEMPLATE.replace("debian.qcow2", "ubuntu.qcow2"),
        TEMPLATE.replace('<graphics autoport="yes" type="vnc"/>', ""),
        TEMPLATE.replace('dev="hd"', 'dev="cdrom"'),
        TEMPLATE.replace("0F476E56", "1F476E56"),
    ],
)
def test_edits_that_start_another_vm(edited: str) -> None:
    before, after = meaning(TEMPLATE), meaning(edited)
    assert before is not None and after is not None
    assert not after.same_vm(before)


def test_a_new_size_is_the_same_vm() -> None:
    before = meaning(TEMPLATE)
    after = meaning(TEMPLATE.replace("<vcpu>2", "<vcpu>1").replace("200000", "100000"))
    assert before is not None and after is not None
    assert after.same_vm(before) and (after.vcpus, after.memory) == (1, 100000)
