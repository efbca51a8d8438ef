"""The ``reconnect`` command: the third process shell, beside ``api/`` and ``tasks/``.

It parses arguments, assembles a Runtime where a command needs one, and calls the domain
(``reconnect/``) and the editor tools (``reconnect/editor/``); nothing in ``reconnect/``
imports it (the contracts in pyproject.toml say so).
"""
