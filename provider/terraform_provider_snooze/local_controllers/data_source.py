"""Data source snooze_local_controllers: the hosts of a Snooze cloud, as its bootstrap lists them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..runtime.interfaces import DataSource, DataSourceReadRequest, DataSourceReadResponse
from ..session import SnoozeSession, bound_session
from ..snooze_api import LocalControllerDescription
from .schema import LOCAL_CONTROLLERS_SCHEMA

__all__ = ["LocalControllersDataSource"]


class LocalControllersDataSource(DataSource):
    type_name = "snooze_local_controllers"
    schema = LOCAL_CONTROLLERS_SCHEMA

    def __init__(self) -> None:
        self._session: SnoozeSession | None = None

    def configure(self, provider_data: Any) -> None:
        self._session = provider_data

    def read(self, request: DataSourceReadRequest, response: DataSourceReadResponse) -> None:
        controllers = bound_session(self._session, request.cancellation).local_controllers()
        wanted = request.config.get("status")
        selected = sorted(
            (lc for lc in controllers if wanted is None or lc.status == wanted), key=lambda lc: lc.id
        )
        response.state = {
            **request.config,
            "local_controllers": [_local_controller(lc) for lc in selected],
            "ids": [lc.id for lc in selected],
        }


def _local_controller(lc: LocalControllerDescription) -> dict[str, Any]:
    capacity = [Decimal(str(v)) for v in (lc.total_capacity + [0.0] * 4)[:4]]
    hypervisor = lc.hypervisor_settings
    return {
        "id": lc.id,
        "hostname": lc.hostname,
        "status": lc.status,
        "control_data_address": {
            "address": lc.control_data_address.address,
            "port": lc.control_data_address.port,
        },
        "hypervisor": {
            "driver": hypervisor.driver,
            "transport": hypervisor.transport,
            "port": hypervisor.port,
            "migration_method": hypervisor.migration.method,
            "migration_timeout": hypervisor.migration.timeout,
        },
        "total_capacity": dict(zip(("vcpus", "memory", "rx_bytes", "tx_bytes"), capacity, strict=True)),
        "wakeup_driver": lc.wakeup_settings.driver,
        "assigned_virtual_machines": list(lc.assigned_virtual_machines),
    }
