"""The history store: every archived run's tables in DuckDB, derived from the run folders, read by the
site, the explore app and analysts."""
