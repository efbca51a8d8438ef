"""Reflections domain."""
