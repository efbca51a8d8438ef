"""Database engine, sessions and the unit of work that owns each transaction."""
