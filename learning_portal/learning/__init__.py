"""Enrollments, progress through a course's items, and completions."""
