"""Registry documentation for this provider, generated from its schemas and examples/.

python -m terraform_provider_snooze.docs                 write docs/
python -m terraform_provider_snooze.docs --check         exit 1 and name the stale pages
python -m terraform_provider_snooze.docs --out DIR       write (or check) DIR instead of docs/
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .local_controllers.schema import LOCAL_CONTROLLERS_SCHEMA
from .provider import SnoozeProvider
from .runtime.docgen import Page, render_page
from .virtual_cluster.schema import VIRTUAL_CLUSTER_SCHEMA

PACKAGE = Path(__file__).parent

__all__ = ["render_all"]


def _example(root: Path, relative: str) -> str:
    path = root / "examples" / relative
    return path.read_text() if path.exists() else ""


def _prose(package: str) -> str:
    """The documentation prose a resource or data source keeps beside its code (docs.md)."""
    path = PACKAGE / package / "docs.md"
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
            notes=_prose("virtual_cluster"),
        ),
        "data-sources/local_controllers.md": Page(
            name="snooze_local_controllers",
            kind="Data Source",
            schema=LOCAL_CONTROLLERS_SCHEMA,
            provider_name="snooze",
            example=_example(root, "data-sources/snooze_local_controllers/data-source.tf"),
            notes=_prose("local_controllers"),
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
