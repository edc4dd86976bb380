"""Plan-time checks of a virtual cluster's configuration, and the Snooze templates it submits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..libvirt_template import TemplateError, parse_template
from ..runtime import cty
from ..runtime.cty.path import AttributePath
from ..runtime.diagnostics import Diagnostics
from ..snooze_api import NetworkDemand, VirtualMachineTemplate

__all__ = ["PARAMETERS", "check_virtual_machines", "template_for"]

PARAMETERS = ("vcpus", "memory", "image_id")
VMS = AttributePath.root("virtual_machines")


def check_virtual_machines(virtual_machines: Any, diagnostics: Diagnostics) -> None:
    """Each VM uses exactly one mode, and a template describes the VM it is keyed by."""
    if not isinstance(virtual_machines, dict):
        return  # null or unknown: Terraform or a later plan checks it
    if not virtual_machines:
        diagnostics.error("No virtual machines", "A virtual cluster needs at least one virtual machine.", VMS)
    for name, vm in virtual_machines.items():
        if vm is None or vm is cty.UNKNOWN:
            continue
        path = VMS.key(name)
        template = vm.get("libvirt_template")
        parameters = [p for p in PARAMETERS if vm.get(p) is not None]
        if template is not None and parameters:
            for parameter in parameters:
                diagnostics.error(
                    "Conflicting virtual machine modes",
                    f"{parameter} cannot be set together with libvirt_template: in template mode Snooze "
                    "reads vcpus, memory and the disk from the template.",
                    path.attr(parameter),
                )
        elif template is None and vm.get("image_id") is None:
            if parameters:
                diagnostics.error(
                    "Missing image_id",
                    "Parameter mode needs the image to boot: set image_id (or use libvirt_template).",
                    path.attr("image_id"),
                )
            else:
                diagnostics.error(
                    "Virtual machine has no definition",
                    "Set either libvirt_template (template mode) or image_id, with vcpus and memory "
                    "(parameter mode).",
                    path,
                )
        if isinstance(template, str):
            _check_template(name, template, path.attr("libvirt_template"), diagnostics)


def _check_template(name: str, template: str, path: AttributePath, diagnostics: Diagnostics) -> None:
    try:
        domain = parse_template(template)
    except TemplateError as error:
        diagnostics.error("Invalid libvirt template", f"The template of {name!r} is invalid: {error}.", path)
        return
    if domain.name != name:
        diagnostics.error(
            "Template name does not match",
            f"The template's <name> is {domain.name!r} but the virtual machine is keyed {name!r}: Snooze "
            "names the VM after the template, so both must be equal.",
            path,
        )
    if domain.memory_unit not in (None, "KiB", "k", "KB"):
        diagnostics.warning(
            "Memory unit ignored by Snooze",
            f"<memory unit={domain.memory_unit!r}> is read by Snooze as {domain.memory_kib} KiB.",
            path,
        )


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
