"""Every provider process answers GetProviderSchema first (some nothing else) and the next one of
a plan only validates: neither needs the resources' code nor the HTTP client. Checked in a fresh
interpreter, through the gRPC servicer Terraform talks to, with sys.modules after each RPC."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from terraform_provider_snooze.runtime.interfaces import Resource
from terraform_provider_snooze.runtime.lazy_resources import lazy_resource
from terraform_provider_snooze.runtime.schema import Block, Schema
from terraform_provider_snooze.virtual_cluster.resource import VirtualClusterResource

HEAVY = (
    "httpx",
    "terraform_provider_snooze.snooze_api.client",
    "terraform_provider_snooze.virtual_cluster.resource",
    "terraform_provider_snooze.session",
)

SCRIPT = """
import json, sys
from terraform_provider_snooze.entrypoint import _build_provider
from terraform_provider_snooze.runtime._generated import tfplugin6_pb2 as pb
from terraform_provider_snooze.runtime.server import ProviderServer

HEAVY = {heavy!r}
server = ProviderServer(_build_provider)
seen = {{}}

def record(rpc, response):
    seen[rpc] = {{
        "loaded": [module for module in HEAVY if module in sys.modules],
        "diagnostics": [d.summary for d in response.diagnostics],
        "resources": sorted(getattr(response, "resource_schemas", {{}})),
    }}

def value(data):
    return pb.DynamicValue(json=json.dumps(data).encode())

record("GetProviderSchema", server.GetProviderSchema(pb.GetProviderSchema.Request(), None))
record("ValidateResourceConfig", server.ValidateResourceConfig(
    pb.ValidateResourceConfig.Request(type_name="snooze_virtual_cluster", config=value({{"virtual_machines": {{}}}})), None))
record("ConfigureProvider", server.ConfigureProvider(
    pb.ConfigureProvider.Request(config=value({{"bootstrap_urls": ["http://127.0.0.1:9"]}})), None))
print(json.dumps(seen))
"""


@pytest.fixture(scope="module")
def loaded_after() -> dict[str, Any]:
    """What each RPC left loaded, in a fresh interpreter (these tests' own imports aside)."""
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(heavy=HEAVY)], capture_output=True, text=True, check=True
    )
    seen: dict[str, Any] = json.loads(completed.stdout.splitlines()[-1])
    return seen


def test_get_provider_schema_loads_schemas_only(loaded_after: dict[str, Any]) -> None:
    schema = loaded_after["GetProviderSchema"]
    assert schema["resources"] == ["snooze_virtual_cluster"]
    assert schema["diagnostics"] == []
    assert schema["loaded"] == [], (
        "GetProviderSchema needs neither the resources' code, nor the Snooze client, nor httpx: "
        "a module the schemas import should import those where first used (or under TYPE_CHECKING)"
    )


def test_validation_runs_the_resource_without_the_http_client(loaded_after: dict[str, Any]) -> None:
    validated = loaded_after["ValidateResourceConfig"]
    assert validated["diagnostics"] == ["No virtual machines"], "the resource's own check ran"
    assert "terraform_provider_snooze.virtual_cluster.resource" in validated["loaded"]
    assert "httpx" not in validated["loaded"]


def test_the_client_module_alone_does_not_import_httpx() -> None:
    """So that a module needing the client only for its type costs no HTTP stack."""
    script = "import sys, terraform_provider_snooze.snooze_api.client; print('httpx' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"


def test_configuring_loads_the_client(loaded_after: dict[str, Any]) -> None:
    assert loaded_after["ConfigureProvider"]["diagnostics"] == []
    assert set(loaded_after["ConfigureProvider"]["loaded"]) == set(HEAVY)


def test_an_implementation_must_match_the_schema_it_stands_behind() -> None:
    other = Schema(block=Block())
    wrong_schema = lazy_resource("snooze_virtual_cluster", other, VirtualClusterResource)
    wrong_name = lazy_resource("snooze_other", VirtualClusterResource.schema, VirtualClusterResource)
    for stand_in in (wrong_schema, wrong_name):
        with pytest.raises(TypeError, match="VirtualClusterResource implements snooze_virtual_cluster"):
            stand_in.configure(None)


def test_an_implementation_loads_once_at_first_use() -> None:
    built: list[Resource] = []

    def build() -> Resource:
        time.sleep(0.01)  # so that the threads below overlap
        built.append(VirtualClusterResource())
        return built[-1]

    stand_in = lazy_resource("snooze_virtual_cluster", VirtualClusterResource.schema, build)
    assert stand_in.type_name == "snooze_virtual_cluster"
    assert stand_in.schema is VirtualClusterResource.schema
    assert built == []
    with ThreadPoolExecutor(8) as pool:
        loads = list(pool.map(lambda _: stand_in.load(), range(8)))
    assert len(built) == 1
    assert loads == built * 8
    assert dict(stand_in.state_upgraders) == dict(VirtualClusterResource.state_upgraders)
