"""Resource snooze_virtual_cluster.

Every resource and data source of this provider is a package named after its type: `schema.py`
holds its schema, `resource.py` (or `data_source.py`) the class the provider registers, and
`docs.md` the prose its generated documentation page adds to the schema. Here also: `config.py`
(plan-time checks, submission templates), `state.py` (the typed VM record), `plan.py`,
`reading.py`, `working.py`, `importing.py`, `private.py` and `messages.py`.
"""
