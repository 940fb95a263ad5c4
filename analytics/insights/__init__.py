"""What the views ask of the ledger: status, per-topic queries, capacity, exchange, filters."""
