"""The floor: the same resources registered directly, with no components and no validation.

It reads the same config and uses the same SDKs as __main__.py; what it leaves out (components,
validation, builders) is what the benchmark's ratio measures.
"""

import json

import pulumi
import pulumi_auth0 as auth0
import pulumi_aws as aws

config = pulumi.Config()
account = config.require("accountId")
ami = aws.ssm.get_parameter_output(name=config.require("amiSsmParameter")).value
for entry in json.loads(config.require("instances")):
    aws.ec2.Instance(
        f"vm-{entry['name']}",
        ami=ami,
        instance_type="t3.micro",
        tags={"Name": entry["name"], **entry["tags"]},
    )
provider_arn = f"arn:aws:iam::{account}:saml-provider/auth0SamlProvider"
role = aws.iam.Role("role", name="AccessByCostCenter", assume_role_policy="{}")
policy = aws.iam.Policy("policy", name="VirtualMachineAccessByCostCenter", policy="{}")
aws.iam.RolePolicyAttachment("attachment", role=role.name, policy_arn=policy.arn)
client = auth0.Client("client", name="AWS", app_type="regular_web")
auth0.Rule("rule", name="aws-session-tags", script=client.client_id.apply(lambda c: c))
