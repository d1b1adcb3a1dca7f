"""Storage: SQLAlchemy tables, engine factory, migrations and bulk loading."""
