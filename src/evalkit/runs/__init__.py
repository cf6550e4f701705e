"""Runs and their record: executing the notebooks (locally or on Dask), batches, the archive, provenance,
the outputs of a run, audit, diff, the ledger."""
