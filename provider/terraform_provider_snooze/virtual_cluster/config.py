"""Validate-time checks of a virtual cluster's configuration, and the Snooze templates it submits.

Every diagnostic about a VM names it by key and attribute in its text (see limits.py for why).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..libvirt_template import DomainTemplate, TemplateError, parse_template
from ..runtime import cty
from ..runtime.cty.path import AttributePath
from ..runtime.diagnostics import Diagnostics
from ..snooze_api import NetworkDemand, VirtualMachineTemplate
from .limits import MEMORY_KIB, MEMORY_WARNING_BELOW_KIB, VCPUS, name_problem, shown

__all__ = ["PARAMETERS", "check_virtual_machines", "template_for"]

PARAMETERS = ("vcpus", "memory", "image_id")
VMS = AttributePath.root("virtual_machines")
# What Snooze gives a parameter-mode VM that leaves them unset.
SNOOZE_DEFAULTS = {"vcpus": "1", "memory": "131072 (KiB: 128 MiB)"}


def check_virtual_machines(virtual_machines: Any, diagnostics: Diagnostics) -> None:
    """Each VM has a usable name, uses exactly one mode, and a template describes the VM it is
    keyed by."""
    if not isinstance(virtual_machines, dict):
        return  # null or unknown: Terraform or a later plan checks it
    if not virtual_machines:
        diagnostics.error("No virtual machines", "A virtual cluster needs at least one virtual machine.", VMS)
    for name, vm in virtual_machines.items():
        path = VMS.key(name)
        problem = name_problem(name)
        if problem is not None:
            diagnostics.error("Invalid virtual machine name", f"The key {path} {problem}.", path)
        if vm is None or vm is cty.UNKNOWN:
            continue
        template = vm.get("libvirt_template")
        if template is None:
            _check_parameter_mode(vm, path, diagnostics)
        else:
            _check_template_mode(vm, path, diagnostics)
        if isinstance(template, str):
            _check_template(name, template, path.attr("libvirt_template"), diagnostics)


def _check_template_mode(vm: dict[str, Any], path: AttributePath, diagnostics: Diagnostics) -> None:
    for parameter in PARAMETERS:
        if vm.get(parameter) is not None:
            diagnostics.error(
                "Conflicting virtual machine modes",
                f"{path.attr(parameter)} cannot be set together with libvirt_template: in template "
                "mode Snooze reads vcpus, memory and the disk from the template.",
                path.attr(parameter),
            )


def _check_parameter_mode(vm: dict[str, Any], path: AttributePath, diagnostics: Diagnostics) -> None:
    if vm.get("image_id") is None:
        if any(vm.get(p) is not None for p in PARAMETERS):
            diagnostics.error(
                "Missing image_id",
                f"Parameter mode needs the image to boot: set {path.attr('image_id')} (or use "
                "libvirt_template). If you did set it, check its spelling: Terraform drops a misspelled "
                "attribute inside a virtual machine silently.",
                path.attr("image_id"),
            )
        else:
            diagnostics.error(
                "Virtual machine has no definition",
                f"Set either libvirt_template (template mode) or image_id, with vcpus and memory "
                f"(parameter mode), in {path}. If you did set them, check their spelling: Terraform "
                "drops a misspelled attribute inside a virtual machine silently.",
                path,
            )
        return
    _warn_of_defaults(vm, path, diagnostics)
    memory = vm.get("memory")
    if isinstance(memory, int | Decimal) and MEMORY_KIB.contains(memory):
        _warn_of_tiny_memory(memory, path.attr("memory"), diagnostics)


def _warn_of_defaults(vm: dict[str, Any], path: AttributePath, diagnostics: Diagnostics) -> None:
    """Terraform drops `vpcus = 2` before the provider sees it (terraform#33570): an unset
    parameter is the only trace such a typo leaves."""
    unset = [p for p in SNOOZE_DEFAULTS if vm.get(p) is None]
    if not unset:
        return
    defaults = " and ".join(f"{p} = {SNOOZE_DEFAULTS[p]}" for p in unset)
    diagnostics.warning(
        "Snooze's defaults apply",
        f"{path} does not set {' or '.join(unset)}, so Snooze gives it {defaults}. If you set "
        f"{'them' if len(unset) > 1 else 'it'}, check the spelling: Terraform drops a misspelled attribute "
        "inside a virtual machine without an error. Set the value explicitly to silence this warning.",
        path,
    )


def _warn_of_tiny_memory(memory_kib: int | Decimal, path: AttributePath, diagnostics: Diagnostics) -> None:
    if memory_kib < MEMORY_WARNING_BELOW_KIB:
        diagnostics.warning(
            "Very little memory",
            f"{path} asks for {shown(memory_kib)} KiB of memory, less than any operating system "
            f"boots in. Memory is in KiB: {shown(memory_kib)} MiB would be {shown(memory_kib * 1024)}.",
            path,
        )


def _check_template(name: str, template: str, path: AttributePath, diagnostics: Diagnostics) -> None:
    try:
        domain = parse_template(template)
    except TemplateError as error:
        diagnostics.error("Invalid libvirt template", f"{path} is invalid: {error}.", path)
        return
    if domain.name != name:
        diagnostics.error(
            "Template name does not match",
            f"{path}: the template's <name> is {domain.name!r} but the virtual machine is keyed "
            f"{name!r}: Snooze names the VM after the template, so both must be equal.",
            path,
        )
    _check_template_numbers(domain, path, diagnostics)


def _check_template_numbers(domain: DomainTemplate, path: AttributePath, diagnostics: Diagnostics) -> None:
    for tag, value, allowed in (("vcpu", domain.vcpus, VCPUS), ("memory", domain.memory_kib, MEMORY_KIB)):
        if not allowed.contains(value):
            diagnostics.error(
                allowed.summary, f"{path} has <{tag}>{shown(value)}</{tag}>: {allowed.meaning}.", path
            )
    if domain.memory_unit not in (None, "KiB", "k", "KB"):
        diagnostics.warning(
            "Memory unit ignored by Snooze",
            f"{path} has <memory unit={domain.memory_unit!r}>, which Snooze reads as "
            f"{domain.memory_kib} KiB.",
            path,
        )
    elif MEMORY_KIB.contains(domain.memory_kib):
        _warn_of_tiny_memory(domain.memory_kib, path, diagnostics)


def template_for(name: str, vm: dict[str, Any]) -> VirtualMachineTemplate:
    """The startVirtualCluster template for one configured VM."""
    demand = vm.get("network_demand")
    network = (
        NetworkDemand(rx_bytes=float(demand["rx_bytes"]), tx_bytes=float(demand["tx_bytes"]))
        if isinstance(demand, dict)
        else NetworkDemand(rx_bytes=0.0, tx_bytes=0.0)
    )
    host = vm.get("local_controller_id")
    host_id = host if isinstance(host, str) else None
    template = vm.get("libvirt_template")
    if isinstance(template, str):
        return VirtualMachineTemplate(libvirt_template=template, network_demand=network, host_id=host_id)
    return VirtualMachineTemplate(
        name=name,
        vcpus=_integer(vm.get("vcpus")),
        memory=_integer(vm.get("memory")),
        image_id=vm.get("image_id"),
        network_demand=network,
        host_id=host_id,
    )


def _integer(value: Any) -> int | None:
    return int(value) if isinstance(value, int | Decimal) else None
