"""xAPI 1.0.3 statements about learning, sent to a configured LRS through an outbox."""
