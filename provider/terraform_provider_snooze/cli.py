"""The `terraform-provider-snooze` executable that Terraform launches.

terraform-provider-snooze              serve the provider (Terraform does this)
terraform-provider-snooze --debug      serve for a debugger; prints TF_REATTACH_PROVIDERS
terraform-provider-snooze --version    print the version
terraform-provider-snooze install      install into Terraform's local plugin directory
"""

from __future__ import annotations

import contextlib
import os
import sys

from . import PROVIDER_ADDRESS, __version__

TYPE_CHECKING = False  # typing itself is not loaded on the launch path
if TYPE_CHECKING:
    from collections.abc import Callable

PROVIDER_TYPE = PROVIDER_ADDRESS.rsplit("/", 1)[-1]

USAGE = __doc__ or ""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-v"], ["version"]):
        print(f"terraform-provider-snooze {__version__}")
        return 0
    if args and args[0] in ("-h", "--help", "help"):
        print(USAGE.strip())
        return 0
    if args and args[0] == "install":
        from .install import main as install_main

        return install_main(args[1:])
    debug = args == ["--debug"]
    if args and not debug:
        print(f"unknown arguments: {' '.join(args)}\n\n{USAGE.strip()}", file=sys.stderr)
        return 2

    from .runtime import handshake

    if not debug and not handshake.cookie_present():  # before paying for grpc's import
        sys.stderr.write(
            handshake.NOT_A_PLUGIN_MESSAGE + "`terraform-provider-snooze --help` lists the options.\n"
        )
        return 1
    cold_reasons = []
    if not debug and argv is None:  # a launch of this process, not a call from Python
        from .runtime.launcher import launch

        # Returns only if no resident server took this launch over.
        cold_reasons.append(launch(PROVIDER_TYPE, __name__, __version__, os.path.dirname(__file__)))
    code = _serve(debug, cold_reasons)
    with contextlib.suppress(OSError):  # nobody may read stderr any more either
        sys.stderr.flush()
    # Worker threads are not joined: Terraform has said goodbye, nothing is left to finish.
    os._exit(code)


def _serve(debug: bool, cold_reasons: list[str], on_goodbye: Callable[[], None] | None = None) -> int:
    if cold_reasons and os.environ.get("PLUGIN_CLIENT_CERT"):
        from .runtime import certificate_fork

        certificate_fork.start()  # made while grpc is imported
    # Imported here, not at the top: --version and --help stay instant.
    from .entrypoint import register_provider
    from .runtime.serve import serve

    return serve(
        register_provider,
        provider_address=PROVIDER_ADDRESS,
        debug=debug,
        startup_notes=cold_reasons,
        on_goodbye=on_goodbye,
    )


def preload() -> None:
    """What a launch needs, imported once by the resident server (runtime/resident.py)."""
    from grpc_health.v1 import health  # noqa: F401

    from . import entrypoint
    from .runtime import plugin_services, serve, tls  # noqa: F401

    entrypoint.preload()
    tls.preload()


def run_launch(on_goodbye: Callable[[], None]) -> int:
    """One launch, in a process the resident server forked for it."""
    return _serve(False, [], on_goodbye)


if __name__ == "__main__":
    sys.exit(main())
