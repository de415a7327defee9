"""Checks of the rbac-cost-center stack: pure functions over plain JSON, and their CrossGuard glue.

Every module except `pack` works on plain values (or read-only mappings such as the policy SDK's
property proxies) so that tests can call the checks directly.
"""
