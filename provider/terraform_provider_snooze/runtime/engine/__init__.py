"""The protocol's rules, once each, in the protocol's terms and without gRPC.

Where each rule lives:

- core.py            Engine: one method per RPC; builds the provider, finds what a request names
- configuration.py   configured or not; unknown provider settings: deferral or a clear error
- validation.py      attribute validators over a configuration, unknowns skipped
- upgrade.py         stored state of older schema versions; attributes the schema dropped
- planning.py        the plan: unknowns where objects change, plan modifiers, replacements
- resources.py       the resource RPCs: read, plan, apply (delete ends in null), import, move
- results.py         what a resource or data source returns: no unknowns left
- generated_config.py  configuration that reproduces a state
- data_sources.py, functions.py   ReadDataSource, CallFunction
- errors.py          exceptions as diagnostics

The protocol layer (runtime/server.py) decodes each request with fromproto, calls the Engine
and encodes its answer with toproto; tests call the Engine directly.
"""

from __future__ import annotations

from .core import Catalog, Engine

__all__ = ["Catalog", "Engine"]
