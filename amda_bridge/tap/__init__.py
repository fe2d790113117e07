"""EPN-TAP 2.0 / TAP 1.1 service of the Storms project.

One concern per module: :mod:`.schema` (column and table model, TAP_SCHEMA),
:mod:`.epn` (the four ``epn_core`` relations over the store's tables), :mod:`.adql`
(parse, allow-list, re-generate), :mod:`.execute` (read-only, time-limited runs),
:mod:`.votable` (output), :mod:`.vosi` (capabilities, tables, availability),
:mod:`.uws` (async jobs) and :mod:`.service` (framework-free endpoint functions).
"""
