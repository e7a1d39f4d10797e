"""Alembic migrations for the bot's database (run programmatically by bot.store.migrate)."""
