"""Quizzes: questions and choices (versioned with the course), attempts, grading."""
