"""The resource's private state (JSON, opaque to Terraform): what Terraform's values cannot say.

- `pending`: for VMs still PENDING, the submission that may have started them: the leader that
  took it, its task id (if Snooze gave one and its one-shot result was not read yet) and when it
  was sent, so that a later operation can reconcile them instead of submitting them again.
- `replacing`: the fingerprints of the VMs a replacement will destroy before it creates the new
  ones, so that the plan of the new ones does not take them for somebody else's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..snooze_api import Fingerprint, GroupManagerDescription, NetworkAddress, Submission

__all__ = ["PendingSubmission", "Private"]


@dataclass(frozen=True)
class PendingSubmission:
    names: tuple[str, ...]
    leader_id: str
    leader_address: str  # host:port
    task_id: str | None
    sent_at: float  # seconds since the epoch: survives the provider process
    result_read: bool = False
    in_flight: bool = False
    managers: tuple[str, ...] = ()  # group managers that managed hosts when it was sent

    @classmethod
    def of(
        cls, submission: Submission, names: Iterable[str], clock: Callable[[], float]
    ) -> PendingSubmission:
        address = submission.leader.control_data_address
        return cls(
            names=tuple(names),
            leader_id=submission.leader.id,
            leader_address=f"{address.address}:{address.port}",
            task_id=submission.task_id,
            sent_at=time.time() - (clock() - submission.sent_at),
            in_flight=submission.in_flight,
            managers=submission.managers,
        )

    def submission(self, clock: Callable[[], float]) -> Submission:
        """The submission again, dated on `clock`."""
        host, _, port = self.leader_address.rpartition(":")
        leader = GroupManagerDescription(self.leader_id, NetworkAddress(host, int(port or -1)))
        return Submission(
            leader,
            clock() - max(0.0, time.time() - self.sent_at),
            self.task_id,
            "reconciling a submission of an earlier run",
            in_flight=self.in_flight,
            managers=self.managers,
        )


@dataclass(frozen=True)
class Private:
    pending: tuple[PendingSubmission, ...] = ()
    replacing: tuple[Fingerprint, ...] = field(default=())

    @classmethod
    def from_bytes(cls, data: bytes) -> Private:
        """Tolerant: an empty or unreadable private state (written by an older version) is empty."""
        try:
            raw = json.loads(data or b"{}")
            pending = tuple(
                PendingSubmission(
                    **{**entry, "names": tuple(entry["names"]), "managers": tuple(entry.get("managers", ()))}
                )
                for entry in raw.get("pending", [])
            )
            replacing = tuple(Fingerprint(**entry) for entry in raw.get("replacing", []))
        except (ValueError, TypeError, KeyError, AttributeError):
            return cls()
        return cls(pending, replacing)

    def to_bytes(self) -> bytes:
        if not self.pending and not self.replacing:
            return b""
        data: dict[str, Any] = {
            "pending": [asdict(entry) for entry in self.pending],
            "replacing": [asdict(fingerprint) for fingerprint in self.replacing],
        }
        return json.dumps(data, sort_keys=True).encode()

    def submitted(self, entry: PendingSubmission) -> Private:
        """Records a submission; its names leave any earlier one (whose fate is known by now)."""
        return replace(self.forget(entry.names), pending=(*self.forget(entry.names).pending, entry))

    def result_read(self, names: Iterable[str]) -> Private:
        wanted = set(names)
        return replace(
            self,
            pending=tuple(replace(p, result_read=True) if wanted & set(p.names) else p for p in self.pending),
        )

    def forget(self, names: Iterable[str]) -> Private:
        """Drops names whose fate is known (recorded, failed, or gone from state)."""
        gone = set(names)
        kept = (replace(p, names=tuple(n for n in p.names if n not in gone)) for p in self.pending)
        return replace(self, pending=tuple(p for p in kept if p.names))

    def keep_only(self, names: Iterable[str]) -> Private:
        wanted = set(names)
        return self.forget({n for p in self.pending for n in p.names} - wanted)

    def submission_of(self, name: str) -> PendingSubmission | None:
        return next((p for p in reversed(self.pending) if name in p.names), None)
