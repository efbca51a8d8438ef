"""Deliveries domain."""
