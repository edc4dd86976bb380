"""Every bad input gets a clear, early error from real Terraform (1.15.5 and 1.6.6).

One table per group: the input, where Terraform stops it (validate or plan), the diagnostic's
summary and a part of its detail, which names the VM by key and attribute, and the line that
Terraform quotes. Terraform 1.15 quotes the attribute's own line; 1.6 quotes a VM's key line for
a diagnostic on the VM, but the resource's first line for one on an attribute inside a VM, so
there the detail alone says which VM is wrong.

The validate-time cases of a group share one configuration, one resource (or provider alias)
per case, and one `terraform validate -json` per engine.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from harness.snooze import PROVIDER_BLOCK, assert_state_matches, fast_emulator
from harness.terraform import ENGINES, Terraform
from snooze_emulator import Emulator

pytestmark = pytest.mark.terraform

SECRET = "s3cr3t-Pa55"
PROVIDER_ADDRESS = 'provider["registry.terraform.io/snoozesoftware/snooze"]'


@dataclass(frozen=True)
class Case:
    """One bad input. `vm` replaces or adds attributes of a valid parameter-mode VM keyed `key`."""

    name: str
    summary: str
    detail: str  # part of the diagnostic's detail, with Terraform's line wrapping undone
    quoted: str  # part of the line Terraform 1.15 quotes
    key: str = "vm1"
    vm: dict[str, str] = field(default_factory=dict)
    resource: str = ""  # more of the resource's body, e.g. a timeouts block
    provider: str = ""  # the body of a provider block, for a provider setting
    severity: str = "error"
    in_vm: bool = False  # the diagnostic's path goes into a VM: Terraform 1.6 quotes the resource

    @property
    def label(self) -> str:
        return re.sub(r"\W", "_", self.name)

    def hcl(self) -> str:
        if self.provider:
            return (
                f'provider "snooze" {{\n  alias = "{self.label}"\n{self.provider}\n}}\n'
                f'data "snooze_local_controllers" "{self.label}" {{\n  provider = snooze.{self.label}\n}}\n'
            )
        attributes = {"vcpus": "2", "memory": "524288", "image_id": '"debian.qcow2"', **self.vm}
        body = "\n".join(f"      {name} = {value}" for name, value in attributes.items() if value)
        return (
            f'resource "snooze_virtual_cluster" "{self.label}" {{\n'
            f"  virtual_machines = {{\n    {json.dumps(self.key)} = {{\n{body}\n    }}\n  }}\n"
            f"{self.resource}}}\n"
        )

    @property
    def address(self) -> str:
        if self.provider:
            return f"{PROVIDER_ADDRESS}.{self.label}"
        return f"snooze_virtual_cluster.{self.label}"


TEMPLATE = "<domain><name>vm1</name><vcpu>{vcpu}</vcpu><memory>{memory}</memory></domain>"


def template(vcpu: str = "1", memory: str = "524288", prolog: str = "") -> dict[str, str]:
    xml = prolog + TEMPLATE.format(vcpu=vcpu, memory=memory)
    return {"vcpus": "", "memory": "", "image_id": "", "libvirt_template": json.dumps(xml)}


# fmt: off
NAMES = [
    Case("empty name", "Invalid virtual machine name", 'The key virtual_machines[""] is empty: Snooze would start the VM under the name "UNKNOWN"', '"" = {', key=""),
    Case("slash", "Invalid virtual machine name", "The key virtual_machines[\"a/b\"] contains '/': Snooze stores the VM's disk as <destination>/<name>", '"a/b" = {', key="a/b"),
    Case("space", "Invalid virtual machine name", 'The key virtual_machines["web 1"] contains " ": a VM name may hold only ASCII letters, digits', '"web 1" = {', key="web 1"),
    Case("comma", "Invalid virtual machine name", 'The key virtual_machines["a,b"] contains ","', '"a,b" = {', key="a,b"),
    Case("dot dot", "Invalid virtual machine name", "The key virtual_machines[\"..\"] starts with '.': a VM name starts with a letter or a digit", '".." = {', key=".."),
    Case("too long", "Invalid virtual machine name", "is 65 characters long; a VM name has at most 64", "v" * 65, key="v" * 65),
]
NUMBERS = [
    Case("vcpus 2^63", "Invalid vcpus", 'virtual_machines["vm1"].vcpus is 9223372036854775808: a virtual machine needs at least 1 vcpu and can have at most 4096', "vcpus = 9223372036854775808", vm={"vcpus": "9223372036854775808"}, in_vm=True),
    Case("vcpus 1e30", "Invalid vcpus", 'virtual_machines["vm1"].vcpus is 1e+30: a virtual machine needs at least 1 vcpu', "vcpus = 1e30", vm={"vcpus": "1e30"}, in_vm=True),
    Case("vcpus 1.5", "Invalid vcpus", 'virtual_machines["vm1"].vcpus is 1.5: it must be a whole number', "vcpus = 1.5", vm={"vcpus": "1.5"}, in_vm=True),
    Case("memory 1e30", "Invalid memory", 'virtual_machines["vm1"].memory is 1e+30: memory is in KiB and must be positive, at most 68719476736 (64 TiB', "memory = 1e30", vm={"memory": "1e30"}, in_vm=True),
    Case("memory 0", "Invalid memory", 'virtual_machines["vm1"].memory is 0: memory is in KiB and must be positive', "memory = 0", vm={"memory": "0"}, in_vm=True),
    Case("rx 1e300", "Invalid network demand", 'virtual_machines["vm1"].network_demand.rx_bytes is 1e+300: network demand cannot be negative, and at most 1000000000000', "rx_bytes = 1e300", vm={"network_demand": "{ rx_bytes = 1e300, tx_bytes = 0 }"}, in_vm=True),
    Case("tx -1", "Invalid network demand", 'virtual_machines["vm1"].network_demand.tx_bytes is -1: network demand cannot be negative', "tx_bytes = -1", vm={"network_demand": "{ rx_bytes = 0, tx_bytes = -1 }"}, in_vm=True),
    Case("template vcpu", "Invalid vcpus", 'virtual_machines["vm1"].libvirt_template has <vcpu>5000</vcpu>: a virtual machine needs at least 1 vcpu and can have at most 4096', "libvirt_template =", vm=template(vcpu="5000"), in_vm=True),
    Case("memory in MiB", "Very little memory", 'virtual_machines["vm1"].memory asks for 512 KiB of memory, less than any operating system boots in. Memory is in KiB: 512 MiB would be 524288', "memory = 512", vm={"memory": "512"}, severity="warning", in_vm=True),
]
DURATIONS = [
    Case("request_timeout huge", "Duration too long", 'request_timeout is "99999999999h", longer than allowed (from "1s" to "10m")', 'request_timeout = "99999999999h"', provider='  request_timeout = "99999999999h"'),
    Case("request_timeout short", "Duration too short", 'request_timeout is "500ms", shorter than allowed (from "1s" to "10m")', 'request_timeout = "500ms"', provider='  request_timeout = "500ms"'),
    Case("poll_interval 1ns", "Duration too short", 'poll_interval is "1ns", shorter than allowed (from "100ms" to "30s")', 'poll_interval = "1ns"', provider='  poll_interval = "1ns"'),
    Case("poll_interval 1h", "Duration too long", 'poll_interval is "1h", longer than allowed (from "100ms" to "30s")', 'poll_interval = "1h"', provider='  poll_interval = "1h"'),
    Case("poll_interval words", "Invalid duration", 'poll_interval is "one second", which is not a duration: use a number and a unit', 'poll_interval = "one second"', provider='  poll_interval = "one second"'),
    Case("create huge", "Duration too long", 'timeouts.create is "99999999999h", longer than allowed (from "1s" to "24h")', 'create = "99999999999h"', resource='  timeouts {\n    create = "99999999999h"\n  }\n'),
    Case("update zero", "Duration too short", 'timeouts.update is "0s", shorter than allowed (from "1s" to "24h")', 'update = "0s"', resource='  timeouts {\n    update = "0s"\n  }\n'),
    Case("delete negative", "Duration too short", 'timeouts.delete is "-5m", shorter than allowed', 'delete = "-5m"', resource='  timeouts {\n    delete = "-5m"\n  }\n'),
]
CREDENTIALS = [
    Case("url scheme", "Invalid bootstrap URL", 'bootstrap_urls[0] = "ftp://***@10.0.0.1:5000" is not an http(s) URL with a host', "bootstrap_urls =", provider=f'  bootstrap_urls = ["ftp://admin:{SECRET}@10.0.0.1:5000"]'),
    Case("url port", "Invalid bootstrap URL", 'bootstrap_urls[1] = "http://***@10.0.0.1:99999" has an invalid port', "bootstrap_urls =", provider=f'  bootstrap_urls = ["http://10.0.0.1:5000", "http://admin:{SECRET}@10.0.0.1:99999"]'),
]
TEMPLATES = [
    Case("DTD", "Invalid libvirt template", 'virtual_machines["vm1"].libvirt_template is invalid: it has a <!DOCTYPE> declaration: templates may not carry a DTD', "libvirt_template =", vm=template(prolog='<!DOCTYPE domain SYSTEM "file:///etc/passwd">'), in_vm=True),
    Case("name with spaces", "Template name does not match", "virtual_machines[\"vm1\"].libvirt_template: the template's <name> is ' vm1 ' but the virtual machine is keyed 'vm1'", "libvirt_template =", vm={**template(), "libvirt_template": json.dumps(TEMPLATE.format(vcpu=1, memory=524288).replace("vm1", " vm1 "))}, in_vm=True),
]
MESSAGES = [  # each diagnostic about a VM names it, whichever check finds the fault
    Case("both modes", "Conflicting virtual machine modes", 'virtual_machines["vm1"].vcpus cannot be set together with libvirt_template', "vcpus = 2", vm={**template(), "vcpus": "2"}, in_vm=True),
    Case("no image", "Missing image_id", 'Parameter mode needs the image to boot: set virtual_machines["vm1"].image_id', '"vm1" = {', vm={"image_id": ""}, in_vm=True),
    Case("typo vpcus", "Snooze's defaults apply", 'virtual_machines["vm1"] does not set vcpus, so Snooze gives it vcpus = 1. If you set it, check the spelling: Terraform drops a misspelled attribute', '"vm1" = {', vm={"vcpus": "", "vpcus": "2"}, severity="warning"),
]
# fmt: on
GROUPS = {
    "names": NAMES,
    "numbers": NUMBERS,
    "durations": DURATIONS,
    "credentials": CREDENTIALS,
    "templates": TEMPLATES,
    "messages": MESSAGES,
}
# A group's cases share one validate run per engine, so they run on one worker.
CASES = [
    pytest.param(
        group, case, id=f"{group}-{case.label}", marks=pytest.mark.xdist_group(f"bad-inputs-{group}")
    )
    for group, cases in GROUPS.items()
    for case in cases
]

Validated = tuple[dict[str, list[dict[str, Any]]], str]


@pytest.fixture(scope="session")
def validate_group(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Validated]:
    """`terraform validate -json` of a group's cases, once per engine: diagnostics by address,
    and everything Terraform printed."""
    done: dict[tuple[str, str], Validated] = {}

    def validate(engine: str, group: str) -> Validated:
        if (engine, group) not in done:
            tf = Terraform(ENGINES[engine], tmp_path_factory.mktemp(f"{group}-"), mirror)
            tf.write("main.tf", PROVIDER_BLOCK + "".join(case.hcl() for case in GROUPS[group]))
            tf.init()
            result = tf.run("validate", "-json")
            by_address: dict[str, list[dict[str, Any]]] = {}
            for diagnostic in json.loads(result.stdout)["diagnostics"]:
                by_address.setdefault(diagnostic.get("address", ""), []).append(diagnostic)
            done[(engine, group)] = (by_address, result.output)
        return done[(engine, group)]

    return validate


@pytest.mark.parametrize(("group", "case"), CASES)
def test_caught_at_validate_with_a_message_naming_the_input(
    validate_group: Callable[[str, str], Validated], engine: str, group: str, case: Case
) -> None:
    by_address, output = validate_group(engine, group)
    (diagnostic,) = by_address.get(case.address, [])
    assert (diagnostic["severity"], diagnostic["summary"]) == (case.severity, case.summary)
    assert case.detail in diagnostic["detail"]
    quoted = diagnostic["snippet"]["code"]
    if engine == "1.6.6" and case.in_vm:
        assert quoted.startswith('resource "snooze_virtual_cluster"'), "1.6 quotes no nested attribute"
    else:
        assert case.quoted in quoted
    assert SECRET not in diagnostic["detail"]
    if group != "credentials":  # there Terraform quotes the line holding the literal URL
        assert SECRET not in output


def provider_with(urls: str) -> str:
    return PROVIDER_BLOCK.replace('provider "snooze" {', f'provider "snooze" {{\n  bootstrap_urls = {urls}')


def test_credentials_in_a_bootstrap_url_appear_in_no_output_even_at_trace(
    terraform_factory: Callable[..., Terraform],
) -> None:
    trace = {"TF_LOG": "TRACE"}
    with fast_emulator() as emulator:
        url = emulator.bootstrap_url.replace("http://", f"http://admin:{SECRET}@")
        tf = terraform_factory()
        tf.write(
            "main.tf",
            provider_with(f'["{url}"]')
            + 'data "snooze_local_controllers" "all" {}\n'
            + 'resource "snooze_virtual_cluster" "c" {\n'
            + '  virtual_machines = { vm1 = { vcpus = 1, memory = 262144, image_id = "debian.qcow2" } }\n}\n',
        )
        tf.init()
        applied = tf.apply(env=trace).check()
        assert "HTTP Request: GET http://127.0.0.1:" in applied.output, "httpx's own lines are there"
        assert_state_matches(tf, emulator)
        destroyed = tf.destroy(env=trace).check()
        assert SECRET not in applied.output + destroyed.output

        tf.write(
            "main.tf",
            provider_with(f'["http://admin:{SECRET}@127.0.0.1:1"]')
            + 'data "snooze_local_controllers" "all" {}\n',
        )
        unreachable = tf.plan(env=trace)
        assert unreachable.returncode != 0
        assert "Snooze is unreachable: no answer from http://127.0.0.1:1" in " ".join(
            unreachable.output.split()
        )
        assert SECRET not in unreachable.output

        # Kept in a variable, a bad URL is caught at plan, where its value is known.
        tf.write(
            "main.tf",
            provider_with("[var.url]")
            + f'variable "url" {{\n  default = "ftp://admin:{SECRET}@10.0.0.1:5000"\n}}\n'
            + 'data "snooze_local_controllers" "all" {}\n',
        )
        tf.run("validate").check()
        invalid = tf.plan(env=trace)
        assert invalid.returncode != 0
        assert 'bootstrap_urls[0] = "ftp://***@10.0.0.1:5000" is not an http(s) URL' in " ".join(
            invalid.output.split()
        )
        assert SECRET not in invalid.output


def test_a_bad_bootstrap_url_in_the_environment_is_caught_at_plan(
    terraform_factory: Callable[..., Terraform],
) -> None:
    tf = terraform_factory(SNOOZE_BOOTSTRAP_URLS=f"ftp://admin:{SECRET}@10.0.0.1:5000")
    tf.write("main.tf", PROVIDER_BLOCK + 'data "snooze_local_controllers" "all" {}\n')
    tf.init()
    tf.run("validate").check()  # the environment is read when the provider is configured
    result = tf.plan()
    assert result.returncode != 0
    detail = " ".join(result.output.split())
    assert "Invalid bootstrap URL" in detail
    assert 'SNOOZE_BOOTSTRAP_URLS holds "ftp://***@10.0.0.1:5000", which is not an http(s) URL' in detail
    assert SECRET not in result.output


def test_provider_settings_known_only_after_apply(
    terraform_factory: Callable[..., Terraform], emulator: Emulator
) -> None:
    """Terraform plans with them unknown (configure waits), then configures again before applying."""
    tf = terraform_factory()
    settings = (
        'resource "terraform_data" "snooze" {\n'
        f'  input = {{ url = "{emulator.bootstrap_url}", timeout = "20s" }}\n}}\n'
    )
    provider = PROVIDER_BLOCK.replace(
        'provider "snooze" {',
        'provider "snooze" {\n  bootstrap_urls = [terraform_data.snooze.output.url]\n'
        "  request_timeout = terraform_data.snooze.output.timeout",
    )
    cluster = (
        'resource "snooze_virtual_cluster" "c" {\n'
        '  virtual_machines = { vm1 = { vcpus = 1, memory = 262144, image_id = "debian.qcow2" } }\n}\n'
    )
    tf.write("main.tf", provider + settings + cluster)
    tf.init()
    tf.run("validate").check()
    tf.plan().check()
    tf.apply().check()
    assert sorted(assert_state_matches(tf, emulator)) == ["vm1"]
    tf.destroy().check()
    assert emulator.vms() == []
