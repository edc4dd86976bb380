"""The checked-in protocol definitions and stubs: regenerable, and equal to Terraform's own."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2
from harness.embedded_schema import engine_library, read_descriptor, schema_lines
from harness.terraform import ROOT
from terraform_provider_snooze.runtime._generated import tfplugin6_pb2

GENERATED = ROOT / "provider" / "terraform_provider_snooze" / "runtime" / "_generated"
PACKAGE_PATH = "terraform_provider_snooze/runtime/_generated"


def ours() -> descriptor_pb2.FileDescriptorProto:
    descriptor = descriptor_pb2.FileDescriptorProto()
    tfplugin6_pb2.DESCRIPTOR.CopyToProto(descriptor)
    return descriptor


def test_regenerating_the_stubs_gives_identical_files(tmp_path: Path) -> None:
    protos = sorted(p.name for p in (ROOT / "proto").glob("*.proto"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PACKAGE_PATH}={ROOT / 'proto'}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            *(f"{PACKAGE_PATH}/{name}" for name in protos),
        ],
        check=True,
    )
    fresh = tmp_path / PACKAGE_PATH
    generated = sorted(p.name for p in fresh.iterdir())
    assert generated == sorted(
        p.name for p in GENERATED.iterdir() if p.name != "__init__.py" and p.suffix in (".py", ".pyi")
    )
    _, mismatch, errors = filecmp.cmpfiles(fresh, GENERATED, generated, shallow=False)
    assert (mismatch, errors) == ([], []), "run `make proto` and commit the result"


def test_our_tfplugin6_equals_the_schema_embedded_in_terraform() -> None:
    theirs = schema_lines(read_descriptor(engine_library()))
    assert len(theirs) > 400
    assert sorted(theirs - schema_lines(ours())) == [], "missing or different in proto/tfplugin6.proto"
    assert sorted(schema_lines(ours()) - theirs) == [], "not in Terraform's schema"


def test_the_comparison_notices_a_changed_field_number() -> None:
    altered = ours()
    altered.message_type[0].field[0].number += 100
    assert schema_lines(altered) != schema_lines(ours())


def test_all_36_provider_rpcs_are_defined() -> None:
    methods = tfplugin6_pb2.DESCRIPTOR.services_by_name["Provider"].methods
    assert len(methods) == 36
