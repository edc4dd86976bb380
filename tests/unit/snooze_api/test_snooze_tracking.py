"""Finding recorded VMs again without taking doubt for absence (identity.py, tracking.py)."""

from __future__ import annotations

import json

import httpx
import pytest
from terraform_provider_snooze.snooze_api import (
    Backoff,
    Fingerprint,
    Pace,
    Presence,
    SnoozeClient,
    SnoozeRejectedError,
    Tracker,
    VirtualMachineLocation,
    VirtualMachineMetaData,
    VmRecord,
)

from .snooze_fake import (
    BOOTSTRAP,
    GM,
    LIST,
    META,
    FakeTime,
    Snooze,
    as_json,
    html_500,
    listing,
    metadata,
    null_post,
    offline_stub,
    raw,
    refused,
)

GRACE = 15.0
UUID = "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"


def vm(data: dict[str, object]) -> VirtualMachineMetaData:
    return VirtualMachineMetaData.from_json(data)


def record_of(data: dict[str, object]) -> VmRecord:
    found = vm(data)
    return VmRecord(Fingerprint.of(found), found.location)


OURS = metadata("web", lc="lc-1", ip="192.168.122.2")
RECORD = record_of(OURS)


@pytest.fixture
def tracker(client: SnoozeClient, fake_time: FakeTime) -> Tracker:
    return Tracker(client, Pace(Backoff(first=1.0, cap=2.0), fake_time.sleep, fake_time.clock), GRACE)


# -- fingerprints --------------------------------------------------------------------------------


def test_a_fingerprint_is_name_ip_mac_and_uuid_from_the_domain() -> None:
    fingerprint = Fingerprint.of(vm(metadata("web", ip="192.168.122.10", uuid=UUID.upper())))
    assert fingerprint == Fingerprint("web", "192.168.122.10", "54:56:c0:a8:7a:a", UUID)


def test_an_unparsable_or_missing_domain_gives_no_mac() -> None:
    data = metadata("web")
    data["xmlRepresentation"] = "UNKNOWN"
    assert Fingerprint.of(vm(data)).mac_address is None


@pytest.mark.parametrize(
    ("seen", "same"),
    [
        (Fingerprint("web", "10.0.0.2", "54:56:a:0:0:2", None), True),
        (Fingerprint("web", "10.0.0.3", "54:56:a:0:0:3", None), False),  # another IP
        (Fingerprint("web", "10.0.0.2", "54:56:a:0:0:9", None), False),  # another MAC
        (Fingerprint("api", "10.0.0.2", "54:56:a:0:0:2", None), False),  # another name
    ],
)
def test_every_field_must_match(seen: Fingerprint, same: bool) -> None:
    assert Fingerprint("web", "10.0.0.2", "54:56:a:0:0:2", None).matches(seen) is same


def test_a_recorded_uuid_must_match_and_an_absent_one_matches_any() -> None:
    seen = Fingerprint("web", "10.0.0.2", "54:56:a:0:0:2", UUID)
    assert Fingerprint("web", "10.0.0.2", "54:56:a:0:0:2", None).matches(seen)
    assert not Fingerprint("web", "10.0.0.2", "54:56:a:0:0:2", "another").matches(seen)


def test_a_record_without_ip_matches_nothing() -> None:
    assert not Fingerprint("web", None, None, None).matches(Fingerprint("web", None, None, None))


# -- resolution ----------------------------------------------------------------------------------


def test_found_in_the_listing_with_one_request(snooze: Snooze, tracker: Tracker) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(OURS))
    resolution = tracker.resolve({"web": RECORD})["web"]
    assert resolution.presence is Presence.FOUND and resolution.found.ip_address == "192.168.122.2"
    assert len(snooze.requests) == 1


def test_a_stranger_of_the_same_name_is_not_ours(snooze: Snooze, tracker: Tracker) -> None:
    stranger = metadata("web", lc="lc-2", ip="192.168.122.7")
    snooze.on(BOOTSTRAP, LIST, listing(stranger))
    snooze.on(GM, META, as_json(offline_stub("web")))
    resolution = tracker.resolve({"web": RECORD})["web"]
    assert resolution.presence is Presence.GONE


def test_the_same_ip_elsewhere_from_a_fresh_pool_never_hides_ours_at_home(
    snooze: Snooze, tracker: Tracker
) -> None:
    # After a failover the new leader may hand out an address still in use (spec 1.3).
    twin = metadata("web", lc="lc-2", ip="192.168.122.2")
    snooze.on(BOOTSTRAP, LIST, listing(twin, OURS))
    resolution = tracker.resolve({"web": RECORD})["web"]
    assert resolution.found.location.local_controller_id == "lc-1"


def test_moved_by_snooze_is_followed(snooze: Snooze, tracker: Tracker) -> None:
    moved = metadata("web", lc="lc-2", ip="192.168.122.2")
    snooze.on(BOOTSTRAP, LIST, listing(moved))
    assert tracker.resolve({"web": RECORD})["web"].found.location.local_controller_id == "lc-2"


def test_two_matches_away_from_home_are_ambiguous(snooze: Snooze, tracker: Tracker) -> None:
    snooze.on(
        BOOTSTRAP,
        LIST,
        listing(
            metadata("web", lc="lc-2", ip="192.168.122.2"), metadata("web", lc="lc-3", ip="192.168.122.2")
        ),
    )
    resolution = tracker.resolve({"web": RECORD})["web"]
    assert resolution.presence is Presence.AMBIGUOUS and "lc-2, lc-3" in resolution.reason


def test_not_listed_but_at_home_is_found(snooze: Snooze, tracker: Tracker) -> None:
    # A group manager that has not rejoined a new leader is missing from listings, but answers.
    snooze.on(BOOTSTRAP, LIST, listing())
    snooze.on(GM, META, as_json(OURS))
    assert tracker.resolve({"web": RECORD})["web"].presence is Presence.FOUND


@pytest.mark.parametrize("answer", [refused, html_500(), null_post()], ids=["refused", "500", "null"])
def test_unseen_is_looked_for_again_within_the_grace_then_kept(
    snooze: Snooze, tracker: Tracker, fake_time: FakeTime, answer: httpx.Response
) -> None:
    snooze.on(BOOTSTRAP, LIST, listing())
    snooze.on(GM, META, answer)
    started = fake_time.now
    resolution = tracker.resolve({"web": RECORD})["web"]
    assert resolution.presence is Presence.UNSEEN and "group manager" in resolution.reason
    assert GRACE <= fake_time.now - started <= GRACE + 2
    assert len(snooze.calls(LIST)) > 3  # a fresh listing each time


def test_unseen_then_listed_is_found(snooze: Snooze, tracker: Tracker) -> None:
    snooze.on(BOOTSTRAP, LIST, listing(), listing(), listing(OURS))
    snooze.on(GM, META, refused)
    assert tracker.resolve({"web": RECORD})["web"].presence is Presence.FOUND


@pytest.mark.parametrize(
    "answer",
    [null_post(), raw("false"), raw("[]"), html_500()],
    ids=["null", "false", "not-a-listing", "500"],
)
def test_a_failing_listing_is_an_error_never_no_vms(
    snooze: Snooze, tracker: Tracker, answer: httpx.Response
) -> None:
    snooze.on(BOOTSTRAP, LIST, answer)
    with pytest.raises(Exception) as caught:
        tracker.resolve({"web": RECORD})
    assert not isinstance(caught.value, AssertionError)
    assert not snooze.calls(META)  # nothing was concluded from it


def test_taken_counts_any_vm_of_the_name_but_mine(snooze: Snooze, tracker: Tracker) -> None:
    stranger = metadata("web", lc="lc-2", ip="192.168.122.7")
    snooze.on(BOOTSTRAP, LIST, listing(OURS, stranger))
    taken = tracker.taken(["web", "api"], mine=[RECORD.fingerprint])
    assert [found.ip_address for found in taken["web"]] == ["192.168.122.7"]
    assert "api" not in taken


def test_the_recorded_location_is_asked_exactly(snooze: Snooze, tracker: Tracker) -> None:
    snooze.on(BOOTSTRAP, LIST, listing())
    snooze.on(GM, META, as_json(offline_stub("web")))
    tracker.resolve({"web": RECORD})
    asked = json.loads(snooze.bodies(META)[0])["virtualMachineLocation"]
    assert VirtualMachineLocation.from_json(asked) == RECORD.location


def test_a_null_listing_is_rejected_with_its_reason(client: SnoozeClient, snooze: Snooze) -> None:
    snooze.on(BOOTSTRAP, LIST, null_post())
    with pytest.raises(SnoozeRejectedError, match="answered nothing where the list of VMs was due"):
        client.list_virtual_machines()
