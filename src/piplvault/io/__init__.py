"""Readers and writers for the outside world: CSV, XLSX, packages."""
