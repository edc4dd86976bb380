"""ReadDataSource: configured-ness (configuration.py), the data source's read, a known result."""

from __future__ import annotations

from .. import cty
from ..interfaces import Cancellation, DataSource, DataSourceReadRequest, DataSourceReadResponse
from ..protocol import DynamicValue, ReadDataSourceRequest, ReadDataSourceResponse
from . import results
from .configuration import ProviderState

__all__ = ["read_data_source"]


def read_data_source(
    data_source: DataSource,
    request: ReadDataSourceRequest,
    provider: ProviderState,
    cancellation: Cancellation,
) -> ReadDataSourceResponse:
    schema = data_source.schema
    ty = schema.cty_type
    deferred = provider.deferral(request.client_capabilities, f"read the data source {data_source.type_name}")
    if deferred is not None:  # the framework's answer: a wholly unknown result
        return ReadDataSourceResponse(state=DynamicValue.of(cty.UNKNOWN, ty), deferred=deferred)
    config = request.config.decode(ty)
    response = DataSourceReadResponse(state=config)
    data_source.read(DataSourceReadRequest(config, cancellation), response)
    state = results.data_source_state(schema, config, response.state, response.diagnostics)
    return ReadDataSourceResponse(state=DynamicValue.of(state, ty), diagnostics=response.diagnostics)
