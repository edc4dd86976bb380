"""The snooze provider: its configuration block and what it hands its resources."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from .bootstrap_urls import check_bootstrap_urls, redact, url_problem, without_credentials
from .runtime import cty
from .runtime.cty.path import AttributePath
from .runtime.diagnostics import Diagnostics
from .runtime.durations import DurationRange
from .runtime.interfaces import ConfigureRequest, DataSource, Provider, Resource
from .runtime.schema import Attribute, Block, Schema

__all__ = ["DEFAULT_BOOTSTRAP_URL", "SnoozeProvider"]

log = logging.getLogger(__name__)

DEFAULT_BOOTSTRAP_URL = "http://127.0.0.1:5000"
BOOTSTRAP_URLS_ENV = "SNOOZE_BOOTSTRAP_URLS"
# One HTTP request: under a second fails on any busy network; Snooze answers every call at once
# (long operations are polled), so ten minutes only delays the report of a dead node.
REQUEST_TIMEOUT = DurationRange(minimum="1s", maximum="10m", default="30s")
# Snooze's monitoring refreshes every 3 s and its group leader collects results every 10 s:
# polling faster than 100ms only loads it, and a first wait over 30s only delays every apply.
POLL_INTERVAL = DurationRange(minimum="100ms", maximum="30s", default="1s")


class SnoozeProvider(Provider):
    type_name = "snooze"
    schema = Schema(
        block=Block(
            description="The Snooze provider manages virtual clusters on a "
            "[Snooze](http://snooze.inria.fr) cloud: it finds the group leader through a bootstrap "
            "node and talks to Snooze's REST API.",
            attributes={
                "bootstrap_urls": Attribute(
                    type=cty.List(cty.STRING),
                    optional=True,
                    description="Bootstrap nodes to ask for the group leader, tried in order; the first "
                    "that answers is used. Default: the environment variable `SNOOZE_BOOTSTRAP_URLS` "
                    f"(comma separated), else `{DEFAULT_BOOTSTRAP_URL}`. Credentials in a URL "
                    "(`http://user:password@host:5000`) are sent to that host and port only, and shown "
                    "as `***` in every message and log line.",
                    validators=(check_bootstrap_urls,),
                ),
                "request_timeout": Attribute(
                    type=cty.STRING,
                    optional=True,
                    description="How long one HTTP request to Snooze may take. "
                    + REQUEST_TIMEOUT.documentation,
                    validators=(REQUEST_TIMEOUT.validate,),
                ),
                "poll_interval": Attribute(
                    type=cty.STRING,
                    optional=True,
                    description="How long to wait before the first poll of a long operation; later polls "
                    "back off up to 15 times that, capped at 15s (or at the interval, if longer). "
                    + POLL_INTERVAL.documentation,
                    validators=(POLL_INTERVAL.validate,),
                ),
            },
        )
    )

    def configure(self, request: ConfigureRequest) -> Any:
        """The session resources use; None while a setting is known only after apply."""
        from .session import SnoozeSession

        config = request.config
        if not cty.is_wholly_known(config, self.schema.cty_type):
            log.debug("Provider configuration not wholly known yet: not connecting to Snooze")
            return None
        urls = config.get("bootstrap_urls")
        if urls is None:
            urls = _urls_from_environment(request.diagnostics)
        # Terraform validated these before configuring; a setting that slipped past is refused here.
        for name, allowed in (("request_timeout", REQUEST_TIMEOUT), ("poll_interval", POLL_INTERVAL)):
            if config.get(name) is not None:
                allowed.validate(config[name], AttributePath.root(name), request.diagnostics)
        if request.diagnostics.has_errors:
            return None
        bare_urls, auth = without_credentials(urls)
        return SnoozeSession.connect(
            bootstrap_urls=bare_urls,
            request_timeout=REQUEST_TIMEOUT.seconds(config.get("request_timeout")),
            poll_interval=POLL_INTERVAL.seconds(config.get("poll_interval")),
            auth=auth,
        )

    # Schemas only: every provider process answers GetProviderSchema first, and some nothing
    # else. The implementations (and the HTTP client they use) load when first needed.

    def resources(self) -> Sequence[Resource]:
        from .runtime.lazy_resources import lazy_resource
        from .virtual_cluster.schema import VIRTUAL_CLUSTER_SCHEMA

        return [lazy_resource("snooze_virtual_cluster", VIRTUAL_CLUSTER_SCHEMA, _virtual_cluster)]

    def data_sources(self) -> Sequence[DataSource]:
        from .local_controllers.schema import LOCAL_CONTROLLERS_SCHEMA
        from .runtime.lazy_resources import lazy_data_source

        return [lazy_data_source("snooze_local_controllers", LOCAL_CONTROLLERS_SCHEMA, _local_controllers)]


def _virtual_cluster() -> Resource:
    from .virtual_cluster.resource import VirtualClusterResource

    return VirtualClusterResource()


def _local_controllers() -> DataSource:
    from .local_controllers.data_source import LocalControllersDataSource

    return LocalControllersDataSource()


def _urls_from_environment(diagnostics: Diagnostics) -> list[str]:
    urls = [u.strip() for u in os.environ.get(BOOTSTRAP_URLS_ENV, "").split(",") if u.strip()]
    for url in urls:
        problem = url_problem(url)
        if problem is not None:
            diagnostics.error(
                "Invalid bootstrap URL",
                f'{BOOTSTRAP_URLS_ENV} holds "{redact(url)}", which {problem}. Set it to '
                'comma-separated URLs like "http://10.0.0.1:5000", or set bootstrap_urls in the provider block.',
                AttributePath.root("bootstrap_urls"),
            )
    return urls or [DEFAULT_BOOTSTRAP_URL]
