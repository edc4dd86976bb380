"""make reliability: run the fault matrix and print its table; exit 1 on any harm.

python -m reliability [--fast] [--engine 1.15.5] [NAME-SUBSTRING ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from harness.terraform import ENGINES, ROOT, Terraform, install_provider

from .runner import Row, run_scenario
from .scenarios import SCENARIOS

HEADER = ("scenario", "runs", "VMs", "orphans", "duplicates", "lost", "strangers touched", "converged")


def table(rows: list[Row]) -> str:
    cells = [HEADER] + [
        (
            row.scenario,
            str(row.runs),
            str(row.vms),
            str(row.orphans),
            str(row.duplicates),
            str(row.lost),
            str(row.strangers_touched),
            f"{row.converged}/{row.runs}",
        )
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = [
        "| " + " | ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) + " |"
        for line in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reliability")
    parser.add_argument("--fast", action="store_true", help="only the scenarios `make test` runs")
    parser.add_argument("--engine", default="1.15.5", choices=sorted(ENGINES))
    parser.add_argument("only", nargs="*", help="run only scenarios whose name contains one of these")
    args = parser.parse_args(argv)
    chosen = [
        s
        for s in SCENARIOS
        if (not args.fast or s.fast) and (not args.only or any(word in s.name for word in args.only))
    ]
    workdir = Path(tempfile.mkdtemp(prefix="reliability-"))
    mirror = workdir / "mirror"
    install_provider(
        mirror,
        "registry.terraform.io/snoozesoftware/snooze",
        "0.1.0",
        [str(Path(sys.executable).parent / "terraform-provider-snooze")],
    )
    engine = ENGINES[args.engine]
    started = time.monotonic()
    rows = []
    for index, scenario in enumerate(chosen):
        row = run_scenario(
            scenario, workdir / f"s{index}", lambda path, env: Terraform(engine, path, mirror, env)
        )
        print(
            f"{row.scenario}: harm {row.harm}, converged {row.converged}/{row.runs} ({row.seconds:.0f} s)",
            flush=True,
        )
        for line in row.notes + row.details:
            print(f"    {line}", flush=True)
        rows.append(row)
    print()
    print(table(rows))
    print(
        f"\n{len(rows)} scenarios, Terraform {args.engine}, {time.monotonic() - started:.0f} s; root {ROOT}"
    )
    return 1 if any(row.harm or row.converged < row.runs for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
