"""Registry documentation for this provider, generated from its schemas and examples/.

python -m terraform_provider_snooze.docs                 write docs/
python -m terraform_provider_snooze.docs --check         exit 1 and name the stale pages
python -m terraform_provider_snooze.docs --out DIR       write (or check) DIR instead of docs/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .local_controllers import LocalControllersDataSource
from .provider import SnoozeProvider
from .runtime.docgen import Page, render_page
from .virtual_cluster.schema import VIRTUAL_CLUSTER_SCHEMA

__all__ = ["render_all"]

VIRTUAL_CLUSTER_NOTES = """\
## Behaviour

- **In place**: adding a VM to `virtual_machines` submits it to Snooze; removing one destroys it
  and waits until Snooze reports it gone; changing `local_controller_id` live-migrates the VM
  and waits until Snooze reports it on the new host. The other VMs are not touched.
- **Replacement**: changing `libvirt_template`, `vcpus`, `memory`, `image_id` or
  `network_demand` of a VM replaces the cluster; the plan names the attribute, e.g.
  `virtual_machines["worker1"].vcpus # forces replacement`.
- **Failures**: a VM Snooze cannot start is reported with its Snooze error code (for example
  `NOT_ENOUGH_LOCAL_CONTROLLER_CAPACITY`); the VMs that did start are kept in state, and
  Terraform marks the cluster tainted so the next apply replaces it.
- **Drift**: a refresh follows VMs that Snooze moved, and drops VMs that no longer exist, so the
  next plan adds them back. A cluster with no VM left is removed from state.
- **Import**: Snooze cannot return the template a VM was started from, so after importing a
  template-mode VM the first apply records the configured template in place (it never replaces
  the VM when the template's vcpus and memory match what runs). Parameter-mode VMs import with no
  changes.

## Input checks and pitfalls

- **A misspelled attribute inside a VM is dropped without an error.** Terraform itself drops an
  attribute it does not know inside a `virtual_machines` entry before the provider sees it
  ([terraform#33570](https://github.com/hashicorp/terraform/issues/33570), with the nested
  attributes of every provider), so `vpcus = 2` starts a VM with Snooze's default of 1 vcpu. The
  provider warns when a parameter-mode VM leaves `vcpus` or `memory` unset ("Snooze's defaults
  apply"); set both to silence it. In a plan, `vcpus = (known after apply)` on a new VM means it
  is not set.
- **Checked at `terraform validate`**: VM names (1 to 64 ASCII letters, digits, `.`, `_` and
  `-`, starting with a letter or a digit: the name is Snooze's VM id, the libvirt domain name
  and the file name of the VM's disk), the ranges of `vcpus`, `memory` and `network_demand`
  (also a template's `<vcpu>` and `<memory>`), the `timeouts`, templates (well-formed, a
  `<domain>` whose `<name>` equals the key, no DTD) and the choice of one mode per VM. Memory
  under 64 MiB gets a warning: `memory` is in KiB.
- **Which VM?** Terraform before 1.15 shows an error on an attribute inside `virtual_machines`
  at the resource's first line; every message names the VM and the attribute itself, like
  `virtual_machines["web1"].vcpus is 0: ...`.
"""


def _example(root: Path, relative: str) -> str:
    path = root / "examples" / relative
    return path.read_text() if path.exists() else ""


def render_all(root: Path) -> dict[str, str]:
    """Relative path under docs/ → page content."""
    pages = {
        "index.md": Page(
            name="snooze",
            kind="Provider",
            schema=SnoozeProvider.schema,
            provider_name="snooze",
            example=_example(root, "provider/provider.tf"),
        ),
        "resources/virtual_cluster.md": Page(
            name="snooze_virtual_cluster",
            kind="Resource",
            schema=VIRTUAL_CLUSTER_SCHEMA,
            provider_name="snooze",
            example=_example(root, "resources/snooze_virtual_cluster/resource.tf"),
            import_example=_example(root, "resources/snooze_virtual_cluster/import.sh"),
            notes=VIRTUAL_CLUSTER_NOTES,
        ),
        "data-sources/local_controllers.md": Page(
            name="snooze_local_controllers",
            kind="Data Source",
            schema=LocalControllersDataSource.schema,
            provider_name="snooze",
            example=_example(root, "data-sources/snooze_local_controllers/data-source.tf"),
        ),
    }
    return {path: render_page(page) for path, page in pages.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m terraform_provider_snooze.docs")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the project root (holds examples/)")
    parser.add_argument("--out", type=Path, help="where the pages go (default: ROOT/docs)")
    parser.add_argument("--check", action="store_true", help="report stale pages instead of writing them")
    args = parser.parse_args(argv)
    out: Path = args.out or args.root / "docs"
    stale = []
    for relative, content in render_all(args.root).items():
        target = out / relative
        if target.exists() and target.read_text() == content:
            continue
        stale.append(relative)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
    if args.check and stale:
        for relative in stale:
            print(f"stale: {out / relative}", file=sys.stderr)
        print("run `make docs` to regenerate", file=sys.stderr)
        return 1
    for relative in stale:
        print(f"wrote {out / relative}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
