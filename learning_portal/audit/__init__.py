"""The audit log: append-only, hash-chained entries of sign-ins, changes, exports and views of personal data."""
