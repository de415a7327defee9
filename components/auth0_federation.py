"""The Auth0 side: the SAML application for AWS and the login flow that adds role and tags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_auth0 as auth0

from components import auth0_scripts
from components.auth0_scripts import LoginSpec, TagMapping


@dataclass
class Auth0SamlApplicationArgs:
    """Inputs of Auth0SamlApplication."""

    application_name: str
    """Display name of the application in Auth0."""
    signin_url: str
    """AWS sign-in endpoint that receives the assertion (audience, recipient, destination)."""


class Auth0SamlApplication(pulumi.ComponentResource):
    """An Auth0 application whose samlp addon signs assertions for the AWS sign-in endpoint."""

    client_id: pulumi.Output[str]
    """Client id of the application."""
    signing_cert: pulumi.Output[str]
    """PEM certificate Auth0 signs this application's assertions with."""

    def __init__(
        self, name: str, args: Auth0SamlApplicationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("rbac:index:Auth0SamlApplication", name, None, opts)

        samlp = auth0.ClientAddonsSamlpArgs(**auth0_scripts.saml_addon(args.signin_url))
        client = auth0.Client(
            f"{name}-client",
            name=args.application_name,
            description="AWS console and CLI sign-in with cost-center session tags.",
            app_type="regular_web",
            callbacks=[args.signin_url],
            addons=auth0.ClientAddonsArgs(samlp=samlp),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.client_id = client.client_id
        self.signing_cert = client.signing_keys.apply(_first_cert)
        self.register_outputs({"clientId": self.client_id, "signingCert": self.signing_cert})


def _first_cert(keys: Sequence[dict[str, str]] | None) -> str:
    return (keys or [{}])[0].get("cert", "")


RULES_END_OF_LIFE = (
    "auth0Flow is 'rule': Auth0 set the end of life of Rules for 2026-11-18 and tenants created "
    "since 2023-10-16 cannot run them; set auth0Flow to 'action' (README: Rule or Action)."
)


@dataclass
class Auth0LoginFlowArgs:
    """Inputs of Auth0LoginFlow."""

    flow: str
    """rule or action."""
    rule_name: str
    """Name of the rule, when flow is rule."""
    action_name: str
    """Name of the post-login Action, when flow is action."""
    client_id: pulumi.Input[str]
    """Only logins to this application get AWS attributes."""
    role_arn: pulumi.Input[str]
    """Role named in the Role attribute."""
    provider_arn: pulumi.Input[str]
    """SAML provider named in the Role attribute."""
    session_name_attribute: str
    """User attribute that names the AWS session."""
    tags: Sequence[TagMapping]
    """Session tags and the user attributes that feed them."""


class Auth0LoginFlow(pulumi.ComponentResource):
    """The rule, or the post-login Action and its binding, that puts role and tags in assertions."""

    code: pulumi.Output[str]
    """The generated rule script or Action code."""

    def __init__(
        self, name: str, args: Auth0LoginFlowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("rbac:index:Auth0LoginFlow", name, None, opts)

        spec = pulumi.Output.all(args.client_id, args.role_arn, args.provider_arn).apply(
            lambda ids: LoginSpec(ids[0], ids[1], ids[2], args.session_name_attribute, args.tags)
        )
        if args.flow == "action":
            self.code = spec.apply(auth0_scripts.action_code)
            self._create_action(name, args)
        else:
            self.code = spec.apply(auth0_scripts.rule_script)
            pulumi.log.warn(RULES_END_OF_LIFE, resource=self)
            auth0.Rule(
                f"{name}-rule",
                name=args.rule_name,
                script=self.code,
                enabled=True,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"code": self.code})

    def _create_action(self, name: str, args: Auth0LoginFlowArgs) -> None:
        action = auth0.Action(
            f"{name}-action",
            name=args.action_name,
            code=self.code,
            runtime=auth0_scripts.ACTION_RUNTIME,
            deploy=True,
            supported_triggers=auth0.ActionSupportedTriggersArgs(
                id=auth0_scripts.ACTION_TRIGGER, version=auth0_scripts.ACTION_TRIGGER_VERSION
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # A deployed Action does nothing until it is bound to the trigger; the binding references
        # the Action's id, so it is created after, and removed before, the Action.
        auth0.TriggerAction(
            f"{name}-action-binding",
            trigger=auth0_scripts.ACTION_TRIGGER,
            action_id=action.id,
            display_name=args.action_name,
            opts=pulumi.ResourceOptions(parent=self),
        )
