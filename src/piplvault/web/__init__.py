"""The web console of ``piplvault serve`` (server-rendered Jinja2 + HTMX, zh-CN first).

Every page runs its use case in a `Session` for the logged-in person, so authorization and
the audit log are the ones the CLI and the REST API use. See docs/console.md.
"""
