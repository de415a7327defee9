"""CrossGuard policy pack of rbac-cost-center: EC2 access by cost center through SAML session tags.

Run by `pulumi preview --policy-pack policies`, or offline by offline/analyzer.py; either way this
process serves the analyzer protocol and prints its port on stdout.
"""

from pulumi_policy import EnforcementLevel, PolicyPack
from rbac_guard.pack import POLICIES
from rbac_guard.sandbox import start_worker

start_worker()
PolicyPack(
    name="rbac-cost-center-guard",
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
    description="Guards the tag contract between instances, the federated role and Auth0.",
)
