"""The whole RBAC cost-center environment, composed from its parts."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components import documents
from components.auth0_federation import (
    Auth0LoginFlow,
    Auth0LoginFlowArgs,
    Auth0SamlApplication,
    Auth0SamlApplicationArgs,
)
from components.auth0_scripts import TagMapping
from components.federated_role import SamlFederatedRole, SamlFederatedRoleArgs
from components.instances import TaggedInstances, TaggedInstancesArgs
from components.settings import Settings


class CostCenterEnvironment(pulumi.ComponentResource):
    """Tagged instances, the SAML-federated ABAC role and the Auth0 side that feeds its tags."""

    instance_ids: pulumi.Output[dict[str, str]]
    """Instance ids by configured name."""
    role_arn: pulumi.Output[str]
    """ARN of the federated role."""
    saml_provider_arn: pulumi.Output[str]
    """ARN of the SAML provider."""
    auth0_client_id: pulumi.Output[str]
    """Client id of the Auth0 SAML application."""
    login_url: pulumi.Output[str]
    """IdP-initiated sign-in URL that lands users in the AWS console."""

    def __init__(
        self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("rbac:index:CostCenterEnvironment", name, None, opts)

        child = pulumi.ResourceOptions(parent=self)
        instances = TaggedInstances(f"{name}-instances", self._instances_args(settings), child)
        application = Auth0SamlApplication(
            f"{name}-app",
            Auth0SamlApplicationArgs(settings.auth0_application_name, settings.signin_urls[0]),
            child,
        )
        access = SamlFederatedRole(f"{name}-access", self._role_args(settings, application), child)
        Auth0LoginFlow(f"{name}-login", self._login_args(settings, application, access), child)

        self.instance_ids = instances.ids
        self.role_arn = access.role_arn
        self.saml_provider_arn = access.provider_arn
        self.auth0_client_id = application.client_id
        self.login_url = application.client_id.apply(
            lambda client_id: f"https://{settings.auth0_domain}/samlp/{client_id}"
        )
        self.register_outputs(
            {
                "instanceIds": self.instance_ids,
                "roleArn": self.role_arn,
                "samlProviderArn": self.saml_provider_arn,
                "auth0ClientId": self.auth0_client_id,
                "loginUrl": self.login_url,
            }
        )

    def _instances_args(self, settings: Settings) -> TaggedInstancesArgs:
        from_parameter = not settings.ami_id
        ami: pulumi.Input[str] = settings.ami_id
        if from_parameter:
            ami = aws.ssm.get_parameter_output(
                name=settings.ami_ssm_parameter, opts=pulumi.InvokeOutputOptions(parent=self)
            ).value
        return TaggedInstancesArgs(settings.instances, ami, from_parameter, settings.subnet_id)

    def _role_args(
        self, settings: Settings, application: Auth0SamlApplication
    ) -> SamlFederatedRoleArgs:
        metadata = None
        if settings.manage_saml_provider:
            metadata = pulumi.Output.all(application.client_id, application.signing_cert).apply(
                lambda parts: documents.idp_metadata(settings.auth0_domain, parts[0], parts[1])
            )
        return SamlFederatedRoleArgs(
            role_name=settings.role_name,
            policy_name=settings.policy_name,
            provider_name=settings.saml_provider_name,
            existing_provider_arn=None
            if settings.manage_saml_provider
            else settings.saml_provider_arn,
            provider_metadata=metadata,
            signin_urls=settings.signin_urls,
            session_tag_keys=settings.session_tag_keys,
            access_tag_key=settings.access_tag_key,
            partition=settings.partition,
            region=settings.region,
            account_id=settings.account_id,
            max_session_duration=settings.max_session_duration,
        )

    def _login_args(
        self, settings: Settings, application: Auth0SamlApplication, access: SamlFederatedRole
    ) -> Auth0LoginFlowArgs:
        return Auth0LoginFlowArgs(
            flow=settings.auth0_flow,
            rule_name=settings.auth0_rule_name,
            action_name=settings.auth0_action_name,
            client_id=application.client_id,
            role_arn=access.role_arn,
            provider_arn=access.provider_arn,
            session_name_attribute=settings.session_name_attribute,
            tags=[TagMapping(tag.key, tag.attribute) for tag in settings.session_tags],
        )
