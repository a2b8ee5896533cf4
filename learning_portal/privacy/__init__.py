"""Privacy: everything held about a person, for them to see and download; and the retention purge."""
