"""The policies of the pack: name, description, severity, remediation, documentation, config."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)

from .config import ACCESS_SCHEMA, INSTANCE_SCHEMA, PROBE_SCHEMA, TAG_KEYS_SCHEMA, TRUST_SCHEMA
from .validators import (
    validate_auth0_contract,
    validate_instance_tags,
    validate_login_scope,
    validate_role_contract,
    validate_role_tags,
    validate_rules_end_of_life,
    validate_saml_client,
    validate_saml_trust,
    validate_start_stop,
)

SESSION_TAGS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html"
SAML_ASSERTIONS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html"


RESOURCE_POLICIES: list[Policy] = [
    ResourceValidationPolicy(
        name="instance-abac-tags",
        description="Instances carry every ABAC tag, each with a value a session tag can equal.",
        validate=validate_instance_tags,
        config_schema=INSTANCE_SCHEMA,
        severity=Severity.HIGH,
        remediation_steps=(
            "Give the instance each ABAC tag key with a value of 1 to 256 letters, digits, spaces "
            "or _ . : / = + - @, and use only allowed cost centers."
        ),
        url=SESSION_TAGS_DOC,
    ),
    ResourceValidationPolicy(
        name="saml-trust-policy",
        description="The federated role trusts only its SAML provider, for AWS sign-in, with tags.",
        validate=validate_saml_trust,
        config_schema=TRUST_SCHEMA,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Trust only the SAML provider ARN with exactly sts:AssumeRoleWithSAML and "
            "sts:TagSession, pin SAML:aud with StringEquals to the sign-in URL, and require each "
            "aws:RequestTag/<key> session tag."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html",
    ),
    ResourceValidationPolicy(
        name="abac-start-stop-conditions",
        description="Start and stop are allowed only where instance and principal tags are equal.",
        validate=validate_start_stop,
        config_schema=ACCESS_SCHEMA,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Condition every Allow of ec2:StartInstances or ec2:StopInstances with StringEquals "
            '"ec2:ResourceTag/<key>": "${aws:PrincipalTag/<key>}", without IfExists, negation or '
            "variable defaults; keep Describe actions unconditioned and tag writes out."
        ),
        url="https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction_attribute-based-access-control.html",
    ),
    ResourceValidationPolicy(
        name="federated-role-tags",
        description="The federated role carries no ABAC key among its own IAM tags.",
        validate=validate_role_tags,
        config_schema=TAG_KEYS_SCHEMA,
        severity=Severity.HIGH,
        remediation_steps="Remove the ABAC keys from the role's tags; only session tags set them.",
        url=SESSION_TAGS_DOC,
    ),
    ResourceValidationPolicy(
        name="auth0-saml-client",
        description="The Auth0 SAML application signs with SHA-256 and sends only mapped claims.",
        validate=validate_saml_client,
        severity=Severity.HIGH,
        remediation_steps=(
            'Set signatureAlgorithm "rsa-sha256", digestAlgorithm "sha256", '
            "nameIdentifierProbes and passthroughClaimsWithNoMapping false on addons.samlp."
        ),
        url="https://auth0.com/docs/authenticate/protocols/saml/saml-configuration/customize-saml-assertions",
    ),
    ResourceValidationPolicy(
        name="auth0-login-scoped-to-client",
        description="The Auth0 rule or Action leaves logins to other applications untouched.",
        validate=validate_login_scope,
        config_schema=PROBE_SCHEMA,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Return early unless the login's client id is the AWS application's and its protocol "
            "is samlp."
        ),
        url="https://auth0.com/docs/customize/actions/explore-triggers/signup-and-login-triggers/login-trigger/post-login-event-object",
    ),
    ResourceValidationPolicy(
        name="auth0-rules-end-of-life",
        description="Auth0 Rules reached end of life; new login logic belongs in Actions.",
        validate=validate_rules_end_of_life,
        enforcement_level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
        remediation_steps="Set the stack's auth0Flow to action, which deploys a post-login Action.",
        url="https://auth0.com/docs/customize/actions/migrate/migrate-from-rules-to-actions",
    ),
]

# Two stack policies rather than one per check: the policy SDK converts every resource of the stack
# once per stack policy, which dominates the time of a large stack.
STACK_POLICIES: list[Policy] = [
    StackValidationPolicy(
        name="federated-role-tag-contract",
        description=(
            "The federated role's permissions write no tags, and each tag they use is demanded by "
            "its trust and set on every instance."
        ),
        validate=validate_role_contract,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Remove ec2:CreateTags and ec2:DeleteTags (and wildcards covering them) from the "
            "role's policies, require aws:RequestTag/<key> in the trust for each principal tag, "
            "and tag every instance with each ec2:ResourceTag/<key> the policies match."
        ),
        url=SESSION_TAGS_DOC,
    ),
    StackValidationPolicy(
        name="auth0-tag-contract",
        description=(
            "Auth0 sends the stack's role and provider and every principal tag the role reads, "
            "from app_metadata, to a URL the trust accepts, through a deployed and bound Action."
        ),
        validate=validate_auth0_contract,
        config_schema=PROBE_SCHEMA,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Emit Role as <role ARN>,<SAML provider ARN of the trust> and PrincipalTag:<key> for "
            "each key the role's policies read, read tag values from app_metadata, and post the "
            "assertion to the sign-in URL the trust pins as SAML:aud; deploy an Action and bind it "
            "to post-login with an auth0.TriggerAction."
        ),
        url=SAML_ASSERTIONS_DOC,
    ),
]

POLICIES: list[Policy] = RESOURCE_POLICIES + STACK_POLICIES
