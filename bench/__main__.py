"""`python -m bench indexer|api` == `lancer bench indexer|api`."""

from bench.cli import bench_command

bench_command(prog_name="python -m bench")
