"""Requests and answers exactly as real Snooze puts them on the wire (spec section 2)."""

from __future__ import annotations

import json

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    GroupManagerDescription,
    NetworkDemand,
    SnoozeClient,
    SnoozeHTTPError,
    SnoozeProtocolError,
    SnoozeSlowError,
    Submission,
    VirtualMachineLocation,
    VirtualMachineTemplate,
)

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LEADER,
    LEADER_ID,
    TASK,
    Snooze,
    as_json,
    html_500,
    leader_description,
    metadata,
    null_get,
    null_post,
    raw,
    reset,
)

LEADER_DESCRIPTION = GroupManagerDescription.from_json(leader_description())


def polled(client: SnoozeClient, task_id: str = TASK) -> object:
    return client.poll(Submission(LEADER_DESCRIPTION, 0.0, task_id))


TEMPLATE_KEYS = {"libVirtTemplate", "networkCapacityDemand", "vcpus", "memory", "name", "imageId", "hostId"}


def test_urls_carry_the_bare_method_name(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", raw(TASK))
    client.submit([VirtualMachineTemplate(name="vm")])
    assert snooze.calls() == [
        f"{BOOTSTRAP}/bootstrap?getGroupLeaderDescription",
        f"{LEADER}/groupmanager?startVirtualCluster",
    ]
    assert [r.method for r in snooze.requests] == ["GET", "POST"]


def test_string_parameters_travel_raw_never_json_quoted(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getVirtualClusterResponse", null_post())
    polled(client)
    assert snooze.bodies("groupmanager?getVirtualClusterResponse") == [TASK.encode()]
    (request,) = snooze.requests
    assert not request.headers["Content-Type"].startswith("application/json")


def test_the_listing_is_one_bootstrap_call_with_an_empty_host_list_request(
    snooze: Snooze, client: SnoozeClient
) -> None:
    snooze.on(
        BOOTSTRAP, "bootstrap?getVirtualMachineDescriptions", as_json({"virtualMachines": [metadata()]})
    )
    (vm,) = client.list_virtual_machines()
    assert vm.name == "debian1"
    (request,) = snooze.requests  # no leader needed
    assert request.method == "POST" and json.loads(request.content) == {}
    assert request.headers["Content-Type"] == "application/json"


def test_template_mode_body_is_json_with_only_bean_properties(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", raw(TASK))
    xml = "<domain type='kvm'><name>debian1</name></domain>"
    client.submit(
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
    client.submit(
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
    assert client.submit([VirtualMachineTemplate(name="vm")]).task_id == expected


@pytest.mark.parametrize(
    ("answer", "trouble"),
    [
        (null_post(), "answered nothing"),
        (raw(""), "answered nothing"),
        (raw("false"), "answered 'false'"),
        (raw("task-9"), "answered 'task-9'"),  # not a UUID: not a task id
        (raw("<html>oops</html>"), "answered '<html>"),
    ],
)
def test_an_answer_that_is_not_a_task_id_leaves_the_submission_ambiguous(
    snooze: Snooze, client: SnoozeClient, answer: httpx.Response, trouble: str
) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", answer)
    submission = client.submit([VirtualMachineTemplate(name="vm")])
    assert submission.ambiguous and submission.task_id is None
    assert trouble in submission.trouble
    assert not submission.in_flight  # Snooze answered: nothing of it is still on its way
    assert submission.leader.id == LEADER_ID
    assert len(snooze.calls("groupmanager?startVirtualCluster")) == 1


@pytest.mark.parametrize("null", [null_get(), null_post()])
def test_204_and_empty_200_both_mean_null(snooze: Snooze, client: SnoozeClient, null: httpx.Response) -> None:
    snooze.on(LEADER, "groupmanager?getVirtualClusterResponse", null)
    assert polled(client) is None


@pytest.mark.parametrize(
    ("text", "expected"), [("true", True), ("false", False), (" true\n", True), ("", False)]
)
def test_booleans(snooze: Snooze, client: SnoozeClient, text: str, expected: bool) -> None:
    snooze.on(GM, "groupmanager?suspendVirtualMachine", raw(text))
    location = VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
    assert client.command("suspend", location) is expected


def test_a_boolean_call_answering_anything_else_is_a_protocol_error(
    snooze: Snooze, client: SnoozeClient
) -> None:
    snooze.on(GM, "groupmanager?resumeVirtualMachine", raw("maybe"))
    location = VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
    with pytest.raises(SnoozeProtocolError, match="'maybe'"):
        client.command("resume", location)


@pytest.mark.parametrize("command", ["destroy", "shutdown", "suspend", "resume", "reboot"])
def test_commands_post_the_location_to_the_vm_group_manager(
    snooze: Snooze, client: SnoozeClient, command: str
) -> None:
    snooze.on(GM, f"groupmanager?{command}VirtualMachine", raw("true"))
    loc = metadata()["virtualMachineLocation"]
    assert client.command(command, VirtualMachineLocation.from_json(loc)) is True
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
        client.submit([VirtualMachineTemplate(name="vm")])
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
    submission = client.submit([VirtualMachineTemplate(name="vm")])
    assert submission.ambiguous and submission.in_flight  # no answer: it may still be on its way
    assert "may have reached Snooze" in submission.trouble
    assert len(snooze.calls("groupmanager?startVirtualCluster")) == 1


def test_a_submission_answered_500_is_ambiguous_and_not_repeated(
    snooze: Snooze, client: SnoozeClient
) -> None:
    snooze.on(LEADER, "groupmanager?startVirtualCluster", html_500(), raw(TASK))
    submission = client.submit([VirtualMachineTemplate(name="vm")])
    assert submission.ambiguous and not submission.in_flight
    assert "HTTP 500" in submission.trouble
    assert len(snooze.calls("groupmanager?startVirtualCluster")) == 1


def test_a_silent_submission_is_slow_not_unreachable(snooze: Snooze, client: SnoozeClient) -> None:
    def silent(request: httpx.Request) -> Exception:
        return httpx.ReadTimeout("timed out", request=request)

    snooze.on(LEADER, "groupmanager?startVirtualCluster", silent)
    submission = client.submit([VirtualMachineTemplate(name="vm")])
    assert submission.ambiguous and submission.in_flight
    assert "did not answer within request_timeout (30s)" in submission.trouble
    assert "firewall" not in submission.trouble


def test_a_silent_read_says_slow_with_the_timeout_that_ran_out(snooze: Snooze, client: SnoozeClient) -> None:
    def silent(request: httpx.Request) -> Exception:
        return httpx.ReadTimeout("timed out", request=request)

    snooze.on(GM, "groupmanager?getVirtualMachineMetaData", silent)
    with pytest.raises(SnoozeSlowError) as caught:
        client.get_virtual_machine_metadata(
            VirtualMachineLocation.from_json(metadata()["virtualMachineLocation"])
        )
    assert "did not answer within request_timeout (30s)" in str(caught.value)
    assert "Raise request_timeout" in str(caught.value)
    assert len(snooze.requests) == 3  # a read: tried again before giving up


def test_not_json_where_json_is_due_is_a_protocol_error(snooze: Snooze, client: SnoozeClient) -> None:
    snooze.on(LEADER, "groupmanager?getVirtualClusterResponse", raw("<html>oops</html>"))
    with pytest.raises(SnoozeProtocolError, match="not JSON"):
        polled(client)
