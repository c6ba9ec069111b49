"""Benchmarks and load generators (never imported by runtime code): ``indexer`` (floor vs full
backfill, reorg recovery), ``api`` (read routes vs a constant route, with wrk), ``loadgen`` (wrk and
autocannon drivers) and ``cli`` (`lancer bench indexer|api`, also `python -m bench ...`)."""
