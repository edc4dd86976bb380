"""go-plugin's handshake: the magic cookie, protocol negotiation, and the line Terraform reads.

Terraform starts the plugin with TF_PLUGIN_MAGIC_COOKIE set and reads exactly one line from its
stdout: CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT. Nothing else may ever
reach stdout before it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = [
    "COOKIE_KEY",
    "COOKIE_VALUE",
    "NOT_A_PLUGIN_MESSAGE",
    "cookie_present",
    "debug_message",
    "handshake_line",
    "negotiate_protocol_version",
    "reattach_line",
]

COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE"
# Terraform's value; it never changes (Terraform internal/plugin6/serve.go).
COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
CORE_PROTOCOL_VERSION = 1
SERVED_PROTOCOL_VERSIONS = (6,)

NOT_A_PLUGIN_MESSAGE = (
    "This is a Terraform plugin: it is not meant to be run directly.\n"
    "Terraform runs it for you. To use it, declare the provider in a configuration and run\n"
    "`terraform init` and `terraform plan` there.\n"
)


def cookie_present(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get(COOKIE_KEY) == COOKIE_VALUE


def negotiate_protocol_version(environ: Mapping[str, str] | None = None) -> int:
    """The highest version both sides speak; failing that our own, so Terraform reports the
    mismatch in its words (go-plugin server.go protocolVersion)."""
    env = os.environ if environ is None else environ
    offered = set()
    for part in env.get("PLUGIN_PROTOCOL_VERSIONS", "").split(","):
        if part.strip().isdigit():
            offered.add(int(part.strip()))
    common = offered.intersection(SERVED_PROTOCOL_VERSIONS)
    return max(common) if common else min(SERVED_PROTOCOL_VERSIONS)


def handshake_line(protocol_version: int, network: str, address: str, certificate_field: str) -> str:
    return f"{CORE_PROTOCOL_VERSION}|{protocol_version}|{network}|{address}|grpc|{certificate_field}\n"


def reattach_line(provider_address: str, protocol_version: int, network: str, address: str, pid: int) -> str:
    """The TF_REATTACH_PROVIDERS value that lets terraform attach to an already running provider."""
    import json

    config = {
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": protocol_version,  # 0 would mean protocol 5 to Terraform
            "Pid": pid,
            "Test": True,
            "Addr": {"Network": network, "String": address},
        }
    }
    return json.dumps(config, separators=(",", ":"))


def debug_message(reattach: str) -> str:
    """What a developer who started the provider by hand needs to point terraform at it."""
    return (
        "Provider started in debug mode. To attach Terraform, set TF_REATTACH_PROVIDERS in the shell\n"
        "where you run terraform (Ctrl-C here stops the provider):\n\n"
        f"\tTF_REATTACH_PROVIDERS='{reattach}'\n\n"
    )
