"""Hash-chained, checkpoint-signed audit log: append in the caller's transaction, verify."""
