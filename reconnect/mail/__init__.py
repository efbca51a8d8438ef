"""Mail domain."""
