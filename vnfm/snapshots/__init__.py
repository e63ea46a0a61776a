"""VNF snapshots (SOL003 clauses 5.4.21-5.4.25): the "Individual VNF snapshot"
resources and what ESC keeps for them.

``models`` holds the ``vnf_snapshots`` table, ``records`` the use cases that the
``/vnf_snapshots`` handlers and the CREATE_SNAPSHOT / REVERT_TO_SNAPSHOT operations
share.  Import them where they are used, not at the top of modules that every
request loads (see ``models``).
"""
