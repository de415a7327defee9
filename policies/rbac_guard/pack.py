"""CrossGuard glue: each policy's metadata and config schema, and validators that call the checks.

Validators read resource properties through the policy SDK's proxies, which raise on a value that
is unknown during preview; the SDK then reports that the policy could not run, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import auth0, contract
from .contract import Finding, StackResource
from .documents import DocumentError, load_document
from .permissions import permission_problems
from .sandbox import SandboxUnavailableError, run_logins
from .tags import instance_tag_problems
from .trust import TrustRules, is_saml_trust, trust_problems

ABAC_TAG_KEYS = ["CostCenter", "Project"]
ACCESS_TAG_KEYS = ["CostCenter"]
SESSION_TAGS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html"
SAML_ASSERTIONS_DOC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html"


def _string_list(description: str, default: list[str]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": default,
        "description": description,
    }


_TAG_KEYS = _string_list(
    "ABAC tag keys: session tags, principal tags and instance tags.", ABAC_TAG_KEYS
)
TAG_KEYS_SCHEMA = PolicyConfigSchema(properties={"tagKeys": _TAG_KEYS})
INSTANCE_SCHEMA = PolicyConfigSchema(
    properties={
        "tagKeys": _TAG_KEYS,
        "allowedCostCenters": _string_list(
            "Cost centers an instance may carry; empty accepts any valid value.", []
        ),
        "costCenterTagKey": {
            "type": "string",
            "default": "CostCenter",
            "description": "The tag key whose value allowedCostCenters limits.",
        },
    }
)
TRUST_SCHEMA = PolicyConfigSchema(
    properties={
        "sessionTagKeys": _string_list(
            "Session tags every SAML sign-in must carry (aws:RequestTag/<key>).", ABAC_TAG_KEYS
        ),
        "allowedAudiences": _string_list(
            "SAML:aud values the trust may accept; empty accepts any AWS sign-in URL.", []
        ),
        "allowSetSourceIdentity": {
            "type": "boolean",
            "default": False,
            "description": "Whether the trust may also allow sts:SetSourceIdentity.",
        },
    }
)
ACCESS_SCHEMA = PolicyConfigSchema(
    properties={
        "accessTagKeys": _string_list(
            "Tag keys on which instance and principal must agree to start or stop.",
            ACCESS_TAG_KEYS,
        )
    }
)


def _settings(
    args: ResourceValidationArgs | StackValidationArgs, schema: PolicyConfigSchema
) -> dict:
    """The policy's config, each property missing from it taken from the schema's default."""
    config = args.get_config() or {}
    return {name: config.get(name, spec["default"]) for name, spec in schema.properties.items()}


def _report_all(report_violation: ReportViolation, messages: Iterable[str]) -> None:
    for message in messages:
        report_violation(message, None)


def _report_findings(report_violation: ReportViolation, findings: Iterable[Finding]) -> None:
    for urn, message in findings:
        report_violation(message, urn or None)


def _document(
    args: ResourceValidationArgs, prop: str, report_violation: ReportViolation | None
) -> Mapping[str, Any] | None:
    """The parsed document in the property; an unreadable one is reported when asked to."""
    value = args.props.get(prop)
    if value is None:
        return None
    try:
        return load_document(value)
    except DocumentError as error:
        if report_violation is not None:
            report_violation(f'Property "{prop}" is not a readable policy document: {error}.', None)
        return None


def validate_instance_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != contract.INSTANCE_TYPE:
        return

    settings = _settings(args, INSTANCE_SCHEMA)
    problems = instance_tag_problems(
        args.props.get("tags"),
        settings["tagKeys"],
        settings["allowedCostCenters"],
        settings["costCenterTagKey"],
    )
    _report_all(report_violation, problems)


def validate_saml_trust(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != contract.ROLE_TYPE:
        return
    trust = _document(args, "assumeRolePolicy", report_violation)
    if trust is None or not is_saml_trust(trust):
        return

    settings = _settings(args, TRUST_SCHEMA)
    rules = TrustRules(
        session_tag_keys=settings["sessionTagKeys"],
        allowed_audiences=settings["allowedAudiences"],
        allow_set_source_identity=bool(settings["allowSetSourceIdentity"]),
    )
    _report_all(report_violation, trust_problems(trust, rules))


def validate_start_stop(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    keys = _settings(args, ACCESS_SCHEMA)["accessTagKeys"]
    if args.resource_type in (contract.POLICY_TYPE, contract.ROLE_POLICY_TYPE):
        document = _document(args, "policy", report_violation)
        if document is not None:
            _report_all(report_violation, permission_problems(document, keys))
    elif args.resource_type == contract.ROLE_TYPE:
        for index, inline in enumerate(args.props.get("inlinePolicies") or []):
            _check_inline(index, inline.get("policy"), keys, report_violation)


def _check_inline(
    index: int, text: Any, keys: list[str], report_violation: ReportViolation
) -> None:
    prop = f'"inlinePolicies[{index}].policy"'
    if not text:
        return
    try:
        document = load_document(text)
    except DocumentError as error:
        report_violation(f"Property {prop} is not a readable policy document: {error}.", None)
        return
    _report_all(report_violation, permission_problems(document, keys, prop))


def validate_role_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != contract.ROLE_TYPE:
        return
    # An unreadable trust is reported by saml-trust-policy; reporting it here too adds nothing.
    trust = _document(args, "assumeRolePolicy", None)
    if trust is None or not is_saml_trust(trust):
        return

    abac_keys = {key.lower() for key in _settings(args, TAG_KEYS_SCHEMA)["tagKeys"]}
    # IAM matches principal tag keys without regard to case, so "costcenter" shadows CostCenter.
    _report_all(
        report_violation,
        [
            f'Property "tags.{key}" is an ABAC key; as a role tag it becomes the principal tag of '
            "any session that does not carry that session tag."
            for key in args.props.get("tags") or {}
            if key.lower() in abac_keys
        ],
    )


def validate_saml_client(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != auth0.CLIENT_TYPE:
        return
    addons = args.props.get("addons") or {}
    samlp = addons.get("samlp")
    if samlp is None:
        return

    _report_all(report_violation, auth0.saml_addon_problems(samlp))


def validate_login_scope(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type not in (auth0.RULE_TYPE, auth0.ACTION_TYPE):
        return
    prop = auth0.code_property(args.resource_type)
    code = args.props.get(prop)
    if not code:
        return

    user = auth0.probe_user(_settings(args, TAG_KEYS_SCHEMA)["tagKeys"])
    login = auth0.probe_login(auth0.OTHER_CLIENT_ID, user, {})
    kind = auth0.code_kind(args.resource_type)
    try:
        outcome = run_logins(kind, str(code), [login], auth0.action_secrets(args.props))[0]
    except SandboxUnavailableError as error:
        report_violation(auth0.unprobed(prop, str(error)), None)
        return
    _report_all(report_violation, auth0.other_client_problems(prop, outcome))


def validate_rules_end_of_life(
    args: ResourceValidationArgs, report_violation: ReportViolation
) -> None:
    if args.resource_type == auth0.RULE_TYPE:
        report_violation(auth0.rules_end_of_life_message(), None)


def _stack(args: StackValidationArgs) -> list[StackResource]:
    return [
        StackResource(
            type=resource.resource_type,
            urn=resource.urn,
            name=resource.name,
            props=resource.props,
            property_dependencies={
                prop: [dependency.urn for dependency in dependencies]
                for prop, dependencies in resource.property_dependencies.items()
            },
        )
        for resource in args.resources
    ]


def _federations(resources: list[StackResource]) -> list[contract.Federation]:
    try:
        return contract.federations(resources)
    except DocumentError:
        # The resource policies report the unreadable document against its own resource.
        return []


def _probes(
    args: StackValidationArgs, resources: list[StackResource], found: list[contract.Federation]
) -> list[contract.Probe]:
    keys = contract.contract_tag_keys(found, _settings(args, TAG_KEYS_SCHEMA)["tagKeys"])
    return contract.run_probes(resources, keys)


def validate_role_contract(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = _stack(args)
    found = _federations(resources)
    instances = contract.of_type(resources, contract.INSTANCE_TYPE)
    findings = contract.tag_write_findings(found)
    findings += contract.trust_tag_findings(found)
    findings += contract.resource_tag_findings(found, instances)
    _report_findings(report_violation, findings)


def validate_auth0_contract(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = _stack(args)
    found = _federations(resources)
    if not found:
        return

    probes = _probes(args, resources, found)
    findings = contract.emitted_tag_findings(found, probes)
    findings += contract.role_attribute_findings(found, probes)
    findings += contract.audience_findings(found, contract.saml_clients(resources))
    findings += contract.metadata_source_findings(probes)
    # A login code that could not be run is reported once, not once per check that needed it.
    _report_findings(report_violation, dict.fromkeys(findings))


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
        config_schema=TAG_KEYS_SCHEMA,
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
            "from app_metadata, to a URL the trust accepts."
        ),
        validate=validate_auth0_contract,
        config_schema=TAG_KEYS_SCHEMA,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Emit Role as <role ARN>,<SAML provider ARN of the trust> and PrincipalTag:<key> for "
            "each key the role's policies read, read tag values from app_metadata, and post the "
            "assertion to the sign-in URL the trust pins as SAML:aud."
        ),
        url=SAML_ASSERTIONS_DOC,
    ),
]

POLICIES: list[Policy] = RESOURCE_POLICIES + STACK_POLICIES
