"""The control API's per-VM, per-host and per-group-manager actions on a name the cluster does not
have: 404, and nothing happens; the Python API raises UnknownName."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from harness.wire_calls import run, template
from snooze_emulator import Emulator, UnknownName


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/vms/ghost/destroy", None),
        ("/vms/ghost/migrate", {"localControllerId": "any"}),
        ("/vms/ghost/ignore-acpi", None),
        ("/hosts/ghost/down", None),
        ("/rejoin/ghost", None),
    ],
)
def test_unknown_names_in_the_path_are_404(emu: Emulator, path: str, body: object) -> None:
    run(emu, template("a"))
    before = emu.state()
    answer = httpx.post(f"{emu.admin_url}{path}", json=body)
    assert answer.status_code == 404
    assert "ghost" in answer.json()["error"]
    assert emu.state() == before


def test_known_names_still_work(emu: Emulator) -> None:
    run(emu, template("a"), template("b"))
    host = emu.hosts()[0]["id"]
    assert httpx.post(f"{emu.admin_url}/vms/a/destroy").json() == {"destroyed": "a"}
    assert httpx.post(f"{emu.admin_url}/vms/b/migrate", json={"localControllerId": host}).json() == {
        "migrated": "b"
    }
    assert (
        httpx.post(f"{emu.admin_url}/vms/b/migrate", json={"localControllerId": "nowhere"}).status_code == 400
    )
    assert httpx.post(f"{emu.admin_url}/hosts/{host}/down").json() == {"down": host}
    gm = emu.state()["groupLeaderId"]
    assert httpx.post(f"{emu.admin_url}/rejoin/{gm}").json() == {"rejoiningGroupManagers": []}


def test_unknown_actions_are_404(emu: Emulator) -> None:
    for path in ("/nothing", "/vms/a", "/vms/a/reboot", "/rejoin/a/b", "/hosts/x/up"):
        assert httpx.post(f"{emu.admin_url}{path}").status_code == 404
    assert httpx.get(f"{emu.admin_url}/nothing").status_code == 404
    assert httpx.delete(f"{emu.admin_url}/vms").status_code == 404


@pytest.mark.parametrize(
    "action",
    [
        lambda emu: emu.destroy_vm("ghost"),
        lambda emu: emu.migrate_vm("ghost", emu.hosts()[0]["id"]),
        lambda emu: emu.ignore_acpi("ghost"),
        lambda emu: emu.take_down("ghost"),
        lambda emu: emu.rejoin_now("ghost"),
    ],
    ids=["destroy_vm", "migrate_vm", "ignore_acpi", "take_down", "rejoin_now"],
)
def test_the_python_api_raises_unknown_name(emu: Emulator, action: Callable[[Emulator], None]) -> None:
    with pytest.raises(UnknownName, match="ghost"):
        action(emu)
