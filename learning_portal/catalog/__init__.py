"""Courses, their versions and items, requirement definitions and credit-hour categories."""
