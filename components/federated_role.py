"""The IAM side of the federation: SAML provider, role, ABAC policy and its attachment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import documents


@dataclass
class SamlFederatedRoleArgs:
    """Inputs of SamlFederatedRole."""

    role_name: str
    """Name of the IAM role users reach through SAML."""
    policy_name: str
    """Name of the managed ABAC policy."""
    provider_name: str
    """Name of the IAM SAML provider."""
    existing_provider_arn: str | None
    """ARN of an existing SAML provider, or None to create one from provider_metadata."""
    provider_metadata: pulumi.Input[str] | None
    """SAML metadata of the identity provider; used only when the provider is created."""
    signin_urls: Sequence[str]
    """Sign-in endpoints allowed as SAML:aud."""
    session_tag_keys: Sequence[str]
    """Keys every assertion must carry as session tags."""
    access_tag_key: str
    """Key whose session tag must equal the instance's tag to start or stop it."""
    partition: str
    """AWS partition of the account."""
    region: str
    """Region of the instances."""
    account_id: str
    """Account of the instances."""
    max_session_duration: int
    """Longest session, in seconds."""


class SamlFederatedRole(pulumi.ComponentResource):
    """A SAML-federated role that may start and stop only its cost center's instances."""

    role_arn: pulumi.Output[str]
    """ARN of the federated role."""
    provider_arn: pulumi.Output[str]
    """ARN of the SAML provider the role trusts."""
    policy_arn: pulumi.Output[str]
    """ARN of the ABAC policy."""

    def __init__(
        self, name: str, args: SamlFederatedRoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("rbac:index:SamlFederatedRole", name, None, opts)

        self.provider_arn = self._provider_arn(name, args)
        role = self._create_role(name, args)
        policy = self._create_policy(name, args)
        aws.iam.RolePolicyAttachment(
            f"{name}-policy-attachment",
            role=role.name,
            policy_arn=policy.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_arn = role.arn
        self.policy_arn = policy.arn
        self.register_outputs(
            {
                "roleArn": self.role_arn,
                "providerArn": self.provider_arn,
                "policyArn": self.policy_arn,
            }
        )

    def _provider_arn(self, name: str, args: SamlFederatedRoleArgs) -> pulumi.Output[str]:
        if args.existing_provider_arn is not None:
            return pulumi.Output.from_input(args.existing_provider_arn)
        provider = aws.iam.SamlProvider(
            f"{name}-saml-provider",
            name=args.provider_name,
            saml_metadata_document=args.provider_metadata,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return provider.arn

    def _create_role(self, name: str, args: SamlFederatedRoleArgs) -> aws.iam.Role:
        trust = self.provider_arn.apply(
            lambda arn: documents.trust_policy(arn, args.signin_urls, args.session_tag_keys)
        )
        # The role gets no tags of its own: an IAM tag on the role with a session-tag key would
        # stand in for a missing session tag and open every instance of that cost center.
        return aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description="Start and stop EC2 instances of the caller's cost center (SAML ABAC).",
            assume_role_policy=trust,
            max_session_duration=args.max_session_duration,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_policy(self, name: str, args: SamlFederatedRoleArgs) -> aws.iam.Policy:
        document = documents.abac_policy(
            args.partition, args.region, args.account_id, args.access_tag_key
        )
        return aws.iam.Policy(
            f"{name}-policy",
            name=args.policy_name,
            description=f"Start and stop instances whose {args.access_tag_key} tag equals the "
            "caller's session tag.",
            policy=document,
            opts=pulumi.ResourceOptions(parent=self),
        )
