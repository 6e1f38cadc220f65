"""Key hierarchy, field encryption, blind indexes and signatures (all via `cryptography`)."""
