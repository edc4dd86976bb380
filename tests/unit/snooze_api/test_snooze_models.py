"""Wire types: read tolerantly (defaults, extra fields), written with bean properties only (spec 3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from terraform_provider_snooze.snooze_api import (
    UNKNOWN,
    GroupManagerDescription,
    LocalControllerDescription,
    NetworkAddress,
    NetworkDemand,
    SnoozeProtocolError,
    VirtualClusterResponse,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VirtualMachineTemplate,
)

TEMPLATE_KEYS = {"libVirtTemplate", "networkCapacityDemand", "vcpus", "memory", "name", "imageId", "hostId"}
LOCATION_KEYS = {
    "virtualMachineId",
    "localControllerId",
    "localControllerControlDataAddress",
    "groupManagerId",
    "groupManagerControlDataAddress",
}

texts = st.text(min_size=1, max_size=20)
addresses = st.builds(NetworkAddress, texts, st.integers(min_value=1, max_value=65535))
locations = st.builds(VirtualMachineLocation, texts, texts, addresses, texts, addresses)


@given(locations)
def test_locations_round_trip_with_bean_properties_only(location: VirtualMachineLocation) -> None:
    data = location.to_json()
    assert set(data) == LOCATION_KEYS
    assert VirtualMachineLocation.from_json(data) == location


@given(
    st.builds(
        VirtualMachineTemplate,
        libvirt_template=st.none() | texts,
        name=st.none() | texts,
        vcpus=st.none() | st.integers(1, 64),
        memory=st.none() | st.integers(1, 1 << 30),
        image_id=st.none() | texts,
        network_demand=st.builds(NetworkDemand, st.floats(0, 1e9), st.floats(0, 1e9)),
        host_id=st.none() | texts,
    )
)
def test_templates_never_carry_unknown_properties_or_nulls(template: VirtualMachineTemplate) -> None:
    data = template.to_json()
    assert set(data) <= TEMPLATE_KEYS
    assert None not in data.values()  # an explicit null hostId drops the whole submission
    assert "networkCapacityDemand" in data


def test_missing_fields_take_the_java_defaults() -> None:
    vm = VirtualMachineMetaData.from_json({})
    assert (vm.status, vm.error_code, vm.ip_address) == (UNKNOWN, UNKNOWN, UNKNOWN)
    assert vm.location.local_controller_control_data_address == NetworkAddress(UNKNOWN, -1)
    assert not vm.location.group_manager_control_data_address.known
    assert VirtualClusterResponse.from_json({}).virtual_machines == []


def test_unknown_fields_are_ignored() -> None:
    lc = LocalControllerDescription.from_json(
        {"id": "lc-1", "brandNew": {"x": 1}, "assignedVirtualMachines": ["a"]}
    )
    assert (lc.id, lc.assigned_virtual_machines, lc.hypervisor_settings.port) == ("lc-1", ["a"], -1)
    leader = GroupManagerDescription.from_json(
        {"id": "gl", "listenSettings": {"controlDataAddress": {"address": "h", "port": 5001}}, "extra": 1}
    )
    assert leader.control_data_address.base_url == "http://h:5001"


@pytest.mark.parametrize(
    "data",
    [
        {"requestedCapacity": "lots"},
        {"requestedCapacity": ["x"]},
        {"virtualMachineLocation": []},
        {"virtualMachineLocation": {"groupManagerControlDataAddress": {"port": "high"}}},
    ],
)
def test_wrong_shapes_are_protocol_errors(data: dict[str, object]) -> None:
    with pytest.raises(SnoozeProtocolError):
        VirtualMachineMetaData.from_json(data)
