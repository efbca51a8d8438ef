"""Signups domain."""
