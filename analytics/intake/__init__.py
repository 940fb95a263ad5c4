"""Reading untrusted uploads: format checks, the sandboxed worker, xlsx/ods/csv, validation."""
