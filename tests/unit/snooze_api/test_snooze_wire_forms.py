"""Requests and answers exactly as real Snooze puts them on the wire (spec section 2)."""

from __future__ import annotations

import json

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    NetworkDemand,
    SnoozeClient,
    SnoozeHTTPError,
    SnoozeProtocolError,
    SnoozeRejectedError,
    SnoozeUnreachableError,
    VirtualMachineLocation,
    VirtualMachineTemplate,
)

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LEADER,
    Snooze,
    as_json,
    html_500,
    metadata,
    null_get,
    null_post,
    raw,
    reset,
)

TASK = "a4fba1c6-4c8f-4691-a530-01c067e8deb2"
TEMPLATE_KEYS = {"libVirtTemplate", "networkCapacityDemand", "vcpus", "memory", "name", "imageId", "hostId"}


def test_urls_carry_the_bare_method_name(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getVirtualClusterResponse", null_post())
    client.get_virtual_cluster_response(TASK)
    assert snooze.calls() == [
        f"{BOOTSTRAP}/bootstrap?getGroupLeaderDescription",
        f"{LEADER}/groupmanager?getVirtualClusterResponse",
    ]
    assert [r.method for r in snooze.requests] == ["GET", "POST"]


def test_string_parameters_travel_raw_never_json_quoted(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getVirtualClusterResponse", null_post())
    snooze.on(LEADER, "groupmanager?discoverVirtualMachine", null_post())
    client.get_virtual_cluster_response(TASK)
    client.discover_virtual_machine("debian1")
    assert snooze.bodies("groupmanager?getVirtualClusterResponse") == [TASK.encode()]
    assert snooze.bodies("groupmanager?discoverVirtualMachine") == [b"debian1"]
    for request in snooze.requests:
        if request.method == "POST":
            assert not request.headers["Content-Type"].startswith("application/json")


def test_template_mode_body_is_json_with_only_bean_properties(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", raw(TASK))
    xml = "<domain type='kvm'><name>debian1</name></domain>"
    client.start_virtual_cluster(
        [VirtualMachineTemplate(libvirt_template=xml, network_demand=NetworkDemand(12800.0, 12800.0))]
    )
    (request,) = [r for r in snooze.requests if r.url.query == b"startVirtualCluster"]
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "virtualMachineTemplates": [
            {"libVirtTemplate": xml, "networkCapacityDemand": {"rxBytes": 12800.0, "txBytes": 12800.0}}
        ]
    }


def test_parameter_mode_omits_host_id_rather_than_sending_null(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", raw(TASK))
    client.start_virtual_cluster(
        [
            VirtualMachineTemplate(name="vm1", vcpus=2, memory=524288, image_id="debian.qcow2"),
            VirtualMachineTemplate(
                name="vm2", vcpus=1, memory=262144, image_id="debian.qcow2", host_id="lc-7"
            ),
        ]
    )
    (body,) = snooze.bodies("groupmanager?startVirtualCluster")
    first, second = json.loads(body)["virtualMachineTemplates"]
    assert first == {
        "name": "vm1",
        "vcpus": 2,
        "memory": 524288,
        "imageId": "debian.qcow2",
        "networkCapacityDemand": {"rxBytes": 0.0, "txBytes": 0.0},
    }
    assert "hostId" not in first  # an explicit null drops the whole submission (spec 6.1.2)
    assert second["hostId"] == "lc-7"
    assert set(first) | set(second) <= TEMPLATE_KEYS


@pytest.mark.parametrize(
    ("body", "expected"),
    [(TASK, TASK), (f'"{TASK}"', TASK), (f"  {TASK}\r\n", TASK), (f' "{TASK}" \n', TASK)],
)
def test_task_id_is_read_raw_trimmed_and_unquoted(
    snooze: Snooze, client: SnoozeClient, body: str, expected: str
) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", raw(body))
    assert client.start_virtual_cluster([VirtualMachineTemplate(name="vm")]) == expected


@pytest.mark.parametrize("empty", [null_post(), raw(""), raw("  \n")])
def test_empty_answer_to_a_submission_is_a_rejection(
    snooze: Snooze, client: SnoozeClient, empty: httpx.Response
) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", empty)
    with pytest.raises(SnoozeRejectedError, match="no task id"):
        client.start_virtual_cluster([VirtualMachineTemplate(name="vm")])


@pytest.mark.parametrize("null", [null_get(), null_post()])
def test_204_and_empty_200_both_mean_null(snooze: Snooze, client: SnoozeClient, null: httpx.Response) -> None:
    snooze.on(LEADER, "groupmanager?getVirtualClusterResponse", null)
    assert client.get_virtual_cluster_response(TASK) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("true", True), ("false", False), (" true\n", True), ("", False)]
)
def test_booleans(snooze: Snooze, client: SnoozeClient, text: str, expected: bool) -> None:
    snooze.on(GM, "groupmanager?suspendVirtualMachine", raw(text))
    location = VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
    assert client.suspend_virtual_machine(location) is expected


def test_a_boolean_call_answering_anything_else_is_a_protocol_error(
    snooze: Snooze, client: SnoozeClient
) -> None:
    snooze.on(GM, "groupmanager?resumeVirtualMachine", raw("maybe"))
    location = VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
    with pytest.raises(SnoozeProtocolError, match="'maybe'"):
        client.resume_virtual_machine(location)


@pytest.mark.parametrize("command", ["destroy", "shutdown", "suspend", "resume", "reboot"])
def test_commands_post_the_location_to_the_vm_group_manager(
    snooze: Snooze, client: SnoozeClient, command: str
) -> None:
    snooze.on(GM, f"groupmanager?{command}VirtualMachine", raw("true"))
    loc = metadata()["virtualMachineLocation"]
    assert getattr(client, f"{command}_virtual_machine")(VirtualMachineLocation.from_json(loc)) is True
    (request,) = snooze.requests  # no discovery needed: the location names the group manager
    assert str(request.url) == f"{GM}/groupmanager?{command}VirtualMachine"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == loc


def test_metadata_request_is_a_metadata_request_bean(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, "groupmanager?getVirtualMachineMetaData", as_json(metadata()))
    loc = metadata()["virtualMachineLocation"]
    vm = client.get_virtual_machine_metadata(VirtualMachineLocation.from_json(loc))
    assert json.loads(snooze.requests[0].content) == {
        "virtualMachineLocation": loc,
        "numberOfMonitoringEntries": 0,
    }
    assert (vm.status, vm.ip_address, vm.location.local_controller_id) == ("RUNNING", "192.168.122.2", "lc-1")
    assert vm.requested_capacity == [1.0, 200000.0, 12800.0, 12800.0]


def test_415_is_an_http_error_that_explains_itself(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", httpx.Response(415, text="Unsupported Media Type"))
    with pytest.raises(SnoozeHTTPError) as caught:
        client.start_virtual_cluster([VirtualMachineTemplate(name="vm")])
    assert caught.value.status == 415
    assert caught.value.method == "POST"
    assert caught.value.url == f"{LEADER}/groupmanager?startVirtualCluster"
    assert "unknown property" in str(caught.value)


def test_500_html_page_is_a_server_error_with_its_text(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, "groupmanager?getVirtualMachineMetaData", html_500())
    with pytest.raises(SnoozeHTTPError) as caught:
        client.get_virtual_machine_metadata(
            VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
        )
    assert caught.value.status == 500
    assert "Internal Server Error" in str(caught.value)
    assert "<h3>" not in str(caught.value)
    assert len(snooze.requests) == 3  # a read: two more attempts before giving up


def test_a_read_is_retried_after_a_transient_failure(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(GM, "groupmanager?getVirtualMachineMetaData", reset, html_500(), as_json(metadata()))
    vm = client.get_virtual_machine_metadata(
        VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
    )
    assert vm.status == "RUNNING"
    assert len(snooze.requests) == 3


def test_a_submission_is_never_repeated_once_it_may_have_reached_snooze(
    snooze: Snooze, client: SnoozeClient
) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", reset, raw(TASK))
    with pytest.raises(SnoozeUnreachableError) as caught:
        client.start_virtual_cluster([VirtualMachineTemplate(name="vm")])
    assert caught.value.request_sent
    assert "may have reached Snooze" in str(caught.value)
    assert len(snooze.calls("groupmanager?startVirtualCluster")) == 1


def test_a_submission_answered_500_is_not_repeated(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", html_500(), raw(TASK))
    with pytest.raises(SnoozeHTTPError):
        client.start_virtual_cluster([VirtualMachineTemplate(name="vm")])
    assert len(snooze.calls("groupmanager?startVirtualCluster")) == 1


def test_not_json_where_json_is_due_is_a_protocol_error(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getVirtualClusterResponse", raw("<html>oops</html>"))
    with pytest.raises(SnoozeProtocolError, match="not JSON"):
        client.get_virtual_cluster_response(TASK)
