"""`depot bench`: order throughput, query latency and growth of Depot on this machine, measured
against the database's own limit (pgbench) in a database of its own.

`runner` drives a run from the `depot bench` process, which never sets up Django: every phase runs
in a subprocess (`phase`) pointed at the bench database, so the user's own database is never
touched. `generate` loads the data set, `flow` drives the order services with concurrent client
processes, `http` measures the API through a running `depot serve`, `pgbench` the database alone.
"""
