"""Reads ``content/`` (data only) into the catalogue: parse and validate first, then import atomically."""
