"""A generic Terraform plugin runtime: protocol 6 over go-plugin, in Python.

Nothing under this package knows about Snooze; providers are built on its public interfaces.
Read it top-down, in three layers:

Where a provider plugs in (what a provider author writes against):
    interfaces.py     Provider, Resource, DataSource, Function: requests in, responses out
    schema.py         attributes, nested attributes, blocks; validators and plan modifiers
    planmodifiers.py  RequiresReplace, RequiresReplaceIf, UseStateForUnknown
    diagnostics.py    errors and warnings, with the attribute path they are about
    cty/              Terraform's values: types, canonical Python values, msgpack and JSON
    walk.py           nesting modes, and the one walker over the objects they hold
    durations.py, docgen.py   Go durations and `timeouts`; Registry docs from schemas

Where each protocol rule lives (engine/, no gRPC; engine/__init__.py lists the modules):
    engine/core.py    Engine: one method per RPC, handing each request to its rules

Where an RPC is decoded and answered (the protocol layer):
    server.py         the gRPC servicer: fromproto -> engine -> toproto, one wrapper for all
    fromproto.py      tfplugin6 messages -> typed requests (protocol.py)
    toproto.py        typed responses -> tfplugin6 messages

Serving the process (go-plugin): serve.py, handshake.py, transport.py, tls.py, hclog.py,
plugin_services.py; _generated/ holds the protobuf stubs.
"""
