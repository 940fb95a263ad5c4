"""The ledger: what is published as of a time, and every write to it (commit, review, rollback)."""
