"""The training profile: one record per credited training, CPT hours per cycle and category."""
