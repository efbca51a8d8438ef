"""Editors' tools above the domain: previews, the trial send, program versions, their
diff and the migration of in-flight partners between versions.

They read the content model (``reconnect/program/``) and call mail rendering and the
delivery records; the content model never imports them.
"""
