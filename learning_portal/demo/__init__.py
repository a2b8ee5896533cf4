"""Demo agencies and accounts (``PORTAL_DEMO`` only). Every name and number here is fictitious."""
