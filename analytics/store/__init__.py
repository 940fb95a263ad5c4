"""Stores: the Store protocol, the DuckDB file and PostgreSQL stores, the in-memory mirror,
migrations, the shipped facts written into a store, backups and their schedule."""
