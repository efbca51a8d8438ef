"""Partners domain."""
