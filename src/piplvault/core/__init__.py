"""Pure domain code: no I/O, no third-party imports (a test enforces it)."""
