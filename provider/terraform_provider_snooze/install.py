"""`terraform-provider-snooze install`: put the provider where `terraform init` finds it offline.

Terraform looks for providers in its implied local mirror,
~/.terraform.d/plugins/<host>/<namespace>/<type>/<version>/<os>_<arch>/, in the unpacked layout:
a directory holding an executable named terraform-provider-<type>. Ours is a small Python script
that runs this installation's provider with `python -I -S`: no `site` processing, no editable-
install finder, only the paths it names (start-up is paid several times per terraform command).
It does not change directory, because a provider works in the directory Terraform runs in.
"""

from __future__ import annotations

import argparse
import platform
import sys
import sysconfig
from pathlib import Path

from . import PROVIDER_ADDRESS, __version__

__all__ = ["main", "package_directory"]

ADDRESS = tuple(PROVIDER_ADDRESS.split("/"))  # host, namespace, type
DEFAULT_PLUGIN_DIR = Path.home() / ".terraform.d" / "plugins"


def terraform_platform() -> str:
    system = {"linux": "linux", "darwin": "darwin", "win32": "windows", "freebsd": "freebsd"}.get(
        sys.platform.rstrip("0123456789"), sys.platform
    )
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i686": "386"}.get(
        machine, machine
    )
    return f"{system}_{arch}"


def package_directory(plugin_dir: Path, version: str = __version__) -> Path:
    return plugin_dir.joinpath(*ADDRESS, version, terraform_platform())


def _launcher() -> str:
    package_parent = str(Path(__file__).resolve().parent.parent)
    libraries = [sysconfig.get_path("purelib"), sysconfig.get_path("platlib")]
    search_path = list(dict.fromkeys([package_parent, *libraries]))
    return (
        f"#!{sys.executable} -IS\n"
        "# Installed by `terraform-provider-snooze install`: runs this installation's provider.\n"
        "import sys\n"
        f"sys.path[:0] = {search_path!r}\n"
        "from terraform_provider_snooze.cli import main\n"
        "sys.exit(main())\n"
    )


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="terraform-provider-snooze install", description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--plugin-dir", type=Path, default=DEFAULT_PLUGIN_DIR, help=f"default: {DEFAULT_PLUGIN_DIR}"
    )
    parser.add_argument("--uninstall", action="store_true", help="remove what install placed")
    options = parser.parse_args(args)
    package = package_directory(options.plugin_dir.expanduser())
    executable = package / "terraform-provider-snooze"
    if options.uninstall:
        if not executable.exists():
            print(f"Nothing to remove: {executable} does not exist.")
            return 0
        executable.unlink()
        # Remove the directories that only held it, up to the plugin directory.
        for directory in [package, *package.parents]:
            if directory == options.plugin_dir.expanduser() or any(directory.iterdir()):
                break
            directory.rmdir()
        print(f"Removed {executable}")
        return 0
    package.mkdir(parents=True, exist_ok=True)
    executable.write_text(_launcher())
    executable.chmod(0o755)
    print(f"Installed terraform-provider-snooze {__version__} as {executable}")
    print(
        "Use it with:\n\n  terraform {\n    required_providers {\n"
        '      snooze = { source = "snoozesoftware/snooze" }\n    }\n  }\n\nthen `terraform init`.'
    )
    return 0
