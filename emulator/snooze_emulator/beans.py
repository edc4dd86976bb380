"""Request beans as Jackson 1.9 reads them into snoozecommon's classes (spec 2.2, 3).

Jackson with default settings: unknown properties, malformed JSON and values it cannot coerce
fail the conversion (Restlet answers 415); numeric strings become numbers, numbers become text
for string properties, null leaves a primitive at 0; enums match by name or by ordinal; content
after the first JSON value is never read.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["BEANS", "Unconvertible", "read_bean", "read_int"]


class Unconvertible(Exception):
    """Jackson could not convert the body: the wire answers 415."""


# Leaf types are strings; ("enum", names) tuples; nested beans are dicts; lists are [item].
STRING, INT, LONG, DOUBLE, BOOLEAN = "string", "int", "long", "double", "boolean"

_ADDRESS = {"address": STRING, "port": INT}
_LOCATION = {
    "virtualMachineId": STRING,
    "localControllerId": STRING,
    "localControllerControlDataAddress": _ADDRESS,
    "groupManagerId": STRING,
    "groupManagerControlDataAddress": _ADDRESS,
}
_HYPERVISOR = {
    "port": INT,
    "driver": ("enum", ("test", "xen", "uml", "lxc", "vbox", "openvz", "qemu", "kvm", "esx")),
    "transport": ("enum", ("tcp", "ssh", "tls")),
    "migration": {
        "method": ("enum", ("live", "nosharedfull", "nosharedincremental", "forceunsafe")),
        "timeout": INT,
    },
}
_TEMPLATE = {
    "libVirtTemplate": STRING,
    "libVirtDescription": STRING,  # the same Java field under its other getter
    "networkCapacityDemand": {"rxBytes": DOUBLE, "txBytes": DOUBLE},
    "vcpus": INT,
    "memory": LONG,
    "name": STRING,
    "imageId": STRING,
    "hostId": STRING,
}
BEANS: dict[str, dict[str, Any]] = {
    "VirtualClusterSubmissionRequest": {"virtualMachineTemplates": [_TEMPLATE]},
    "VirtualMachineLocation": _LOCATION,
    "MetaDataRequest": {"virtualMachineLocation": _LOCATION, "numberOfMonitoringEntries": INT},
    "MigrationRequest": {
        "sourceVirtualMachineLocation": _LOCATION,
        "destinationVirtualMachineLocation": _LOCATION,
        "destinationHypervisorSettings": _HYPERVISOR,
        "migrated": BOOLEAN,
    },
    "ClientMigrationRequestSimple": {"virtualMachineId": STRING, "localControllerId": STRING},
    "ResizeRequest": {"virtualMachineLocation": _LOCATION, "resizedCapacity": [DOUBLE]},
    "HostListRequest": {
        "start": STRING,
        "limit": INT,
        "groupManagerId": STRING,
        "localControllerId": STRING,
        "numberOfMonitoringEntries": INT,
    },
    "NetworkAddress": _ADDRESS,
}

_INT_RANGE = {INT: (-(2**31), 2**31 - 1), LONG: (-(2**63), 2**63 - 1)}


def _parse(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Unconvertible("not UTF-8") from None

    def refuse(token: str) -> Any:
        raise Unconvertible(f"non-standard token {token}")  # NaN, Infinity: not JSON for Jackson

    try:
        # raw_decode: like Jackson's readValue, whatever follows the first value is ignored.
        value, _ = json.JSONDecoder(parse_constant=refuse).raw_decode(text.lstrip())
    except (ValueError, RecursionError):
        raise Unconvertible("malformed JSON") from None
    return value


def read_bean(raw: bytes, bean: str) -> dict[str, Any] | None:
    """The bean as a dict of converted values; None for a JSON null (the Java method gets null)."""
    value = _parse(raw)
    if value is None:
        return None
    converted: dict[str, Any] = _convert(value, BEANS[bean], bean)
    return converted


def read_int(raw: bytes) -> int | None:
    """An `int` parameter: a bare JSON number (or numeric string); None for a JSON null."""
    value = _parse(raw)
    if value is None:
        return None
    converted: int = _convert(value, INT, "int")
    return converted


def _convert(value: Any, kind: Any, where: str) -> Any:
    if isinstance(kind, dict):
        if value is None:
            return None
        if not isinstance(value, dict):
            raise Unconvertible(f"{where}: an object is required")
        result = {}
        for key, item in value.items():
            if key not in kind:
                raise Unconvertible(f'Unrecognized field "{key}"')
            result[key] = _convert(item, kind[key], key)
        return result
    if isinstance(kind, list):
        if value is None:
            return None
        if not isinstance(value, list):
            raise Unconvertible(f"{where}: an array is required")
        return [_convert(item, kind[0], where) for item in value]
    if isinstance(kind, tuple):
        return _enum(value, kind[1], where)
    return _scalar(value, kind, where)


def _scalar(value: Any, kind: str, where: str) -> Any:
    if isinstance(value, dict | list):
        raise Unconvertible(f"{where}: a {kind} is required")
    if kind == STRING:
        return _string(value)
    if kind == BOOLEAN:
        return _boolean(value, where)
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0.0 if kind == DOUBLE else 0  # a Java primitive left at its default
    if isinstance(value, bool):
        raise Unconvertible(f"{where}: a number is required")
    return _double(value, where) if kind == DOUBLE else _integer(value, kind, where)


def _string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)  # Jackson takes a scalar token's text: 5 -> "5", true -> "true"


def _boolean(value: Any, where: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool | int):
        return value != 0
    if isinstance(value, str) and value.strip() in ("true", "false", ""):
        return value.strip() == "true"
    raise Unconvertible(f"{where}: a boolean is required")


def _double(value: float | int | str, where: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise Unconvertible(f"{where}: not a valid double") from None
    if isinstance(value, str) and math.isnan(number) and value.strip() != "NaN":
        raise Unconvertible(f"{where}: not a valid double")
    return number


_JAVA_INTEGER = re.compile(r"[+-]?[0-9]+")


def _integer(value: float | int | str, kind: str, where: str) -> int:
    if isinstance(value, str):
        # Jackson trims the text and parses it as Java's Integer/Long.parseInt does: ASCII digits
        # after an optional sign, nothing else (Python's int() would also take "1_000" or "٣").
        text = value.strip()
        if not _JAVA_INTEGER.fullmatch(text):
            raise Unconvertible(f"{where}: not a valid {kind}")
        integer = int(text)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise Unconvertible(f"{where}: not a valid {kind}")
        integer = int(value)  # Jackson truncates a floating-point token
    else:
        integer = value
    low, high = _INT_RANGE[kind]
    if not low <= integer <= high:
        raise Unconvertible(f"{where}: numeric value out of range of {kind}")
    return integer


def _enum(value: Any, names: tuple[str, ...], where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value in names:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]  # Jackson 1.9 accepts an ordinal
    raise Unconvertible(f"{where}: not one of the values accepted for Enum class: {list(names)}")
