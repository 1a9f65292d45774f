"""Persistence: SQLAlchemy 2 tables, engine factory, migrations, queries, audit chain."""
