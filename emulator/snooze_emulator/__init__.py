"""snooze-emulator: a local Snooze cluster that behaves on the wire like the real Java system.

    from snooze_emulator import Emulator, EmulatorConfig, Timing

    with Emulator(EmulatorConfig(base_port=0, timing=Timing(collection_delay=0.05))) as snooze:
        snooze.bootstrap_url, snooze.group_leader_url, snooze.admin_url
        snooze.vms(), snooze.hosts(), snooze.state()
        snooze.fail_over(); snooze.rejoin_now(); snooze.rejoin_now(gm_id); snooze.take_down(host_id)
        snooze.inject_fault("destroyVirtualMachine", "false", count=2); snooze.clear_faults()
        snooze.inject_random_faults(0.2, kinds=["http500", "drop"], seed=42); snooze.fault_report()
        snooze.set_quirk("one_shot_results", False)
        snooze.request_counts(); snooze.reset_request_counts()
        snooze.destroy_vm("vm1"); snooze.migrate_vm("vm1", host_id)  # drift behind a client's back
        snooze.ignore_acpi("vm1")  # a shutdown leaves it SHUTDOWN_PENDING for good
        with snooze.paused(): ...  # nothing Snooze does on its own happens in the block
        snooze.internal_errors(); snooze.check()  # bugs in the emulator; leaving `with` checks too

Modules, the HTTP side apart from the model (as moto keeps responses apart from models):
- emulator: the Emulator class (starts everything, the Python API); ports: which port binds what;
  control: the control API over HTTP; config: settings from flags or TOML.
- wire: Restlet's HTTP forms (routing, answers, faults); http_body: request framing; beans:
  Jackson's reading of request bodies; endpoints: each component's methods, decoded and encoded;
  views: the JSON shapes.
- bootstrap, group_manager, local_controller: what each Snooze resource does, in model terms.
- model: the cluster's state; lifecycle (commands, resize), migration, failover, submissions
  (the leader's pipeline) with policies (dispatching, placement), templates (libvirt XML): the
  rules that change it; scheduler: Snooze's background work.
- faults, traffic (request counts), internal_errors: what tests inject and read.
"""

from __future__ import annotations

from .config import EmulatorConfig, Quirks, Timing
from .emulator import Emulator
from .internal_errors import EmulatorBug
from .model import UnknownName

__all__ = ["Emulator", "EmulatorBug", "EmulatorConfig", "Quirks", "Timing", "UnknownName"]
