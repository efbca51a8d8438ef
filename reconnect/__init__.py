"""Reconnect: the domain package shared by the API and the background workers."""
