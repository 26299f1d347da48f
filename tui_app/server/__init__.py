"""The key-management backend: FastAPI app, storage on SQLAlchemy (SQLite/PostgreSQL)."""
