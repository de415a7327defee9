"""RBAC cost-center environment: ABAC access to EC2 through Auth0 SAML session tags."""

import pulumi

from components.environment import CostCenterEnvironment
from components.settings import load_settings

settings = load_settings()
environment = CostCenterEnvironment(
    "rbac", settings, pulumi.ResourceOptions(protect=settings.protect)
)

pulumi.export("instanceIds", environment.instance_ids)
pulumi.export("roleArn", environment.role_arn)
pulumi.export("samlProviderArn", environment.saml_provider_arn)
pulumi.export("auth0ClientId", environment.auth0_client_id)
pulumi.export("loginUrl", environment.login_url)
