"""The only code that speaks SQL: schema, migrations, engines for SQLite and PostgreSQL."""
