"""E-mail: messages written to an outbox in the transaction of their event, sent over SMTP by the workers."""
