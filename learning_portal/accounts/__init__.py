"""Agencies, people, sign-in, roles, agency scoping and API tokens."""
