"""Resource snooze_virtual_cluster.

Every resource and data source of this provider is a package named after its type: `schema.py`
holds its schema, `resource.py` (or `data_source.py`) the class the provider registers, and
`docs.md` the prose its generated documentation page adds to the schema. Here also: `config.py`
(plan-time checks, submission templates), `state.py` (the typed VM record), `planner.py` (what
to do with each VM, for plan and apply alike), `planned.py` and `plan.py` (the plan),
`applying.py` and `working.py` (the apply), `templates.py` (templates compared by meaning),
`reading.py`, `importing.py`, `upgrade.py`, `private.py` and `messages.py`.
"""
