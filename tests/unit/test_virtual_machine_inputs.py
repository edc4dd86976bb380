"""A virtual cluster's inputs at validate time: VM names, numbers Snooze's Java types hold,
templates without DTDs, and a warning where a misspelled attribute leaves its only trace. Every
diagnostic names the VM's key and the attribute in its text."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from terraform_provider_snooze.runtime import cty
from terraform_provider_snooze.runtime.cty.path import AttributePath
from terraform_provider_snooze.runtime.diagnostics import Diagnostics, Severity
from terraform_provider_snooze.runtime.engine.validation import validate_block
from terraform_provider_snooze.virtual_cluster.config import check_virtual_machines
from terraform_provider_snooze.virtual_cluster.limits import name_problem
from terraform_provider_snooze.virtual_cluster.schema import VIRTUAL_CLUSTER_SCHEMA

VMS = AttributePath.root("virtual_machines")
ERROR, WARNING = Severity.ERROR, Severity.WARNING


def vm(**numbers: Any) -> dict[str, Any]:
    """A complete parameter-mode VM; `numbers` (int or text) replace or add attributes."""
    entry: dict[str, Any] = {"vcpus": Decimal(2), "memory": Decimal(524288), "image_id": "debian.qcow2"}
    return entry | {k: Decimal(v) if isinstance(v, int | str) else v for k, v in numbers.items()}


def template(name: str = "a", vcpu: str = "1", memory: str = "524288", prolog: str = "") -> dict[str, Any]:
    xml = f"{prolog}<domain><name>{name}</name><vcpu>{vcpu}</vcpu><memory>{memory}</memory></domain>"
    return {"libvirt_template": xml}


def validate(vms: dict[str, Any]) -> list[tuple[Severity, str, AttributePath | None, str]]:
    """What ValidateResourceConfig reports: attribute validators, then the resource's checks."""
    config = VIRTUAL_CLUSTER_SCHEMA.conform({"virtual_machines": vms})
    diagnostics = Diagnostics()
    validate_block(VIRTUAL_CLUSTER_SCHEMA.block, config, diagnostics)
    if not diagnostics.has_errors:
        assert config is not None
        check_virtual_machines(config["virtual_machines"], diagnostics)
    return [(d.severity, d.summary, d.path, d.detail) for d in diagnostics]


# (case, VMs, severity, summary, path, the detail's start: the VM's key and attribute come first)
# fmt: off
CASES: list[tuple[str, dict[str, Any], Severity, str, AttributePath, str]] = [
    # VM names
    ("empty name", {"": vm()}, ERROR, "Invalid virtual machine name", VMS.key(""), 'The key virtual_machines[""] is empty'),
    ("slash", {"a/b": vm()}, ERROR, "Invalid virtual machine name", VMS.key("a/b"), "The key virtual_machines[\"a/b\"] contains '/'"),
    ("space", {"web 1": vm()}, ERROR, "Invalid virtual machine name", VMS.key("web 1"), 'The key virtual_machines["web 1"] contains " "'),
    ("comma", {"a,b": vm()}, ERROR, "Invalid virtual machine name", VMS.key("a,b"), 'The key virtual_machines["a,b"] contains ","'),
    ("non-ascii", {"wéb": vm()}, ERROR, "Invalid virtual machine name", VMS.key("wéb"), 'The key virtual_machines["wéb"] contains "é"'),
    ("dot dot", {"..": vm()}, ERROR, "Invalid virtual machine name", VMS.key(".."), "The key virtual_machines[\"..\"] starts with '.'"),
    ("option", {"-rf": vm()}, ERROR, "Invalid virtual machine name", VMS.key("-rf"), "The key virtual_machines[\"-rf\"] starts with '-'"),
    ("too long", {"v" * 65: vm()}, ERROR, "Invalid virtual machine name", VMS.key("v" * 65), "is 65 characters long; a VM name has at most 64"),
    # numbers
    ("vcpus 2^63", {"a": vm(vcpus=2**63)}, ERROR, "Invalid vcpus", VMS.key("a").attr("vcpus"), 'virtual_machines["a"].vcpus is 9223372036854775808: a virtual machine needs at least 1 vcpu and can have at most 4096'),
    ("vcpus 1e30", {"a": vm(vcpus="1e30")}, ERROR, "Invalid vcpus", VMS.key("a").attr("vcpus"), 'virtual_machines["a"].vcpus is 1e+30:'),
    ("vcpus 4097", {"a": vm(vcpus=4097)}, ERROR, "Invalid vcpus", VMS.key("a").attr("vcpus"), 'virtual_machines["a"].vcpus is 4097:'),
    ("vcpus 0", {"a": vm(vcpus=0)}, ERROR, "Invalid vcpus", VMS.key("a").attr("vcpus"), 'virtual_machines["a"].vcpus is 0: a virtual machine needs at least 1 vcpu'),
    ("vcpus 1.5", {"a": vm(vcpus="1.5")}, ERROR, "Invalid vcpus", VMS.key("a").attr("vcpus"), 'virtual_machines["a"].vcpus is 1.5: it must be a whole number'),
    ("memory 1e30", {"a": vm(memory="1e30")}, ERROR, "Invalid memory", VMS.key("a").attr("memory"), 'virtual_machines["a"].memory is 1e+30: memory is in KiB and must be positive, at most 68719476736'),
    ("memory 0", {"a": vm(memory=0)}, ERROR, "Invalid memory", VMS.key("a").attr("memory"), 'virtual_machines["a"].memory is 0: memory is in KiB and must be positive'),
    ("rx 1e300", {"a": vm(network_demand={"rx_bytes": Decimal("1e300"), "tx_bytes": Decimal(0)})}, ERROR, "Invalid network demand", VMS.key("a").attr("network_demand").attr("rx_bytes"), 'virtual_machines["a"].network_demand.rx_bytes is 1e+300: network demand cannot be negative, and at most 1000000000000'),
    ("tx -1", {"a": vm(network_demand={"rx_bytes": Decimal(0), "tx_bytes": Decimal(-1)})}, ERROR, "Invalid network demand", VMS.key("a").attr("network_demand").attr("tx_bytes"), 'virtual_machines["a"].network_demand.tx_bytes is -1: network demand cannot be negative'),
    ("memory in MiB", {"a": vm(memory=512)}, WARNING, "Very little memory", VMS.key("a").attr("memory"), 'virtual_machines["a"].memory asks for 512 KiB of memory, less than any operating system boots in. Memory is in KiB: 512 MiB would be 524288'),
    # templates
    ("template vcpu", {"a": template(vcpu="5000")}, ERROR, "Invalid vcpus", VMS.key("a").attr("libvirt_template"), 'virtual_machines["a"].libvirt_template has <vcpu>5000</vcpu>: a virtual machine needs at least 1 vcpu'),
    ("template memory", {"a": template(memory="99999999999999999999")}, ERROR, "Invalid memory", VMS.key("a").attr("libvirt_template"), 'virtual_machines["a"].libvirt_template has <memory>99999999999999999999</memory>'),
    ("template DTD", {"a": template(prolog='<!DOCTYPE domain SYSTEM "file:///etc/passwd">')}, ERROR, "Invalid libvirt template", VMS.key("a").attr("libvirt_template"), 'virtual_machines["a"].libvirt_template is invalid: it has a <!DOCTYPE> declaration'),
    ("template name spaces", {"a": template(name=" a ")}, ERROR, "Template name does not match", VMS.key("a").attr("libvirt_template"), "virtual_machines[\"a\"].libvirt_template: the template's <name> is ' a '"),
    ("template memory in MiB", {"a": template(memory="2048")}, WARNING, "Very little memory", VMS.key("a").attr("libvirt_template"), 'virtual_machines["a"].libvirt_template asks for 2048 KiB of memory, less than any operating system boots in'),
    ("template XML", {"a": {"libvirt_template": "<domain><name>a</name"}}, ERROR, "Invalid libvirt template", VMS.key("a").attr("libvirt_template"), 'virtual_machines["a"].libvirt_template is invalid: not well-formed XML'),
    # modes, and the trace a misspelled attribute leaves (`vpcus = 2` never reaches the provider)
    ("typo in vcpus", {"a": {"memory": Decimal(524288), "image_id": "debian.qcow2"}}, WARNING, "Snooze's defaults apply", VMS.key("a"), 'virtual_machines["a"] does not set vcpus, so Snooze gives it vcpus = 1. If you set it, check the spelling'),
    ("typos in both", {"a": {"image_id": "debian.qcow2"}}, WARNING, "Snooze's defaults apply", VMS.key("a"), 'virtual_machines["a"] does not set vcpus or memory'),
    ("no image", {"a": {"vcpus": Decimal(1)}}, ERROR, "Missing image_id", VMS.key("a").attr("image_id"), 'Parameter mode needs the image to boot: set virtual_machines["a"].image_id'),
    ("nothing", {"a": {}}, ERROR, "Virtual machine has no definition", VMS.key("a"), 'Set either libvirt_template (template mode) or image_id, with vcpus and memory (parameter mode), in virtual_machines["a"]'),
    ("both modes", {"a": {**template(), "vcpus": Decimal(1)}}, ERROR, "Conflicting virtual machine modes", VMS.key("a").attr("vcpus"), 'virtual_machines["a"].vcpus cannot be set together with libvirt_template'),
]
# fmt: on


@pytest.mark.parametrize(
    ("vms", "severity", "summary", "path", "detail"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_bad_input_gets_one_diagnostic_naming_the_vm(
    vms: dict[str, Any], severity: Severity, summary: str, path: AttributePath, detail: str
) -> None:
    (found,) = validate(vms)
    assert found[:3] == (severity, summary, path)
    assert detail in found[3], found[3]


@pytest.mark.parametrize(
    "vms",
    [
        {"Web-1.example_2": vm()},
        {
            "v" * 64: vm(
                vcpus=4096,
                memory=2**36,
                network_demand={"rx_bytes": Decimal(10**12), "tx_bytes": Decimal("0.5")},
            )
        },
        {"a": template(vcpu=" 2 ", memory="65536")},
        {"a": vm(vcpus=cty.UNKNOWN, memory=cty.UNKNOWN)},
        {"a": cty.UNKNOWN},
    ],
)
def test_good_and_unknown_inputs_pass_silently(vms: dict[str, Any]) -> None:
    assert validate(vms) == []


def test_name_rule_says_which_rule_failed() -> None:
    assert name_problem("a") is None
    problems = {name: name_problem(name) or "" for name in ("", "a/b", "a\nb", "_x", "x" * 65)}
    assert [p.split(" ", 1)[0] for p in problems.values()] == ["is", "contains", "contains", "starts", "is"]
    assert "libvirt refuses '/'" in problems["a/b"] and '"\\n"' in problems["a\nb"]
