"""Checks of the rbac-cost-center stack, and the CrossGuard glue that runs them.

The checks (tags, trust, permissions, auth0, contract) are functions over plain JSON values or
read-only mappings, so tests call them directly. Only config, validators, pack and local know the
policy SDK: schemas, (args, report_violation) validators, policy metadata, and an in-process runner.
"""
