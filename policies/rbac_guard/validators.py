"""Validators: plain functions of (args, report_violation) that hand properties to the checks.

Properties are read through the policy SDK's proxies, which raise on a value that is unknown during
preview; the SDK then reports that the policy could not run, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

from . import auth0, contract
from .config import (
    ACCESS_SCHEMA,
    INSTANCE_SCHEMA,
    PROBE_SCHEMA,
    TAG_KEYS_SCHEMA,
    TRUST_SCHEMA,
    policy_settings,
)
from .contract import Finding, StackResource
from .documents import DocumentError, load_document
from .permissions import permission_problems
from .sandbox import SandboxUnavailableError, run_logins
from .tags import instance_tag_problems, role_tag_problems
from .trust import TrustRules, is_saml_trust, trust_problems


def _report_all(report_violation: ReportViolation, messages: Iterable[str]) -> None:
    for message in messages:
        report_violation(message, None)


def _report_findings(report_violation: ReportViolation, findings: Iterable[Finding]) -> None:
    for urn, message in findings:
        report_violation(message, urn or None)


def _parsed(
    prop: str, value: Any, report_violation: ReportViolation | None
) -> Mapping[str, Any] | None:
    """The document a property holds; an unreadable one is reported when a reporter is given."""
    if not value:
        return None
    try:
        return load_document(value)
    except DocumentError as error:
        if report_violation is not None:
            report_violation(f"Property {prop} is not a readable policy document: {error}.", None)
        return None


def _saml_trust(
    args: ResourceValidationArgs, report_violation: ReportViolation | None
) -> Mapping[str, Any] | None:
    """The trust policy of a role that admits SAML sign-ins, else None."""
    if args.resource_type != contract.ROLE_TYPE:
        return None
    trust = _parsed('"assumeRolePolicy"', args.props.get("assumeRolePolicy"), report_violation)
    return trust if trust is not None and is_saml_trust(trust) else None


def validate_instance_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != contract.INSTANCE_TYPE:
        return

    settings = policy_settings(args, INSTANCE_SCHEMA)
    problems = instance_tag_problems(
        args.props.get("tags"),
        settings["tagKeys"],
        settings["allowedCostCenters"],
        settings["costCenterTagKey"],
    )
    _report_all(report_violation, problems)


def validate_saml_trust(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    trust = _saml_trust(args, report_violation)
    if trust is None:
        return

    settings = policy_settings(args, TRUST_SCHEMA)
    rules = TrustRules(
        session_tag_keys=settings["sessionTagKeys"],
        allowed_audiences=settings["allowedAudiences"],
        allow_set_source_identity=bool(settings["allowSetSourceIdentity"]),
    )
    _report_all(report_violation, trust_problems(trust, rules))


def validate_start_stop(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    keys = policy_settings(args, ACCESS_SCHEMA)["accessTagKeys"]
    if args.resource_type in (contract.POLICY_TYPE, contract.ROLE_POLICY_TYPE):
        documents = [('"policy"', args.props.get("policy"))]
    elif args.resource_type == contract.ROLE_TYPE:
        inline = args.props.get("inlinePolicies") or []
        documents = [
            (f'"inlinePolicies[{index}].policy"', item.get("policy"))
            for index, item in enumerate(inline)
        ]
    else:
        return

    for prop, value in documents:
        document = _parsed(prop, value, report_violation)
        if document is not None:
            _report_all(report_violation, permission_problems(document, keys, prop))


def validate_role_tags(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    # An unreadable trust is reported by saml-trust-policy; reporting it here too adds nothing.
    if _saml_trust(args, None) is None:
        return

    abac_keys = policy_settings(args, TAG_KEYS_SCHEMA)["tagKeys"]
    _report_all(report_violation, role_tag_problems(args.props.get("tags"), abac_keys))


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

    user = _probe_user(policy_settings(args, PROBE_SCHEMA), [])
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


def _probes(
    args: StackValidationArgs, resources: list[StackResource], found: list[contract.Federation]
) -> list[contract.Probe]:
    settings = policy_settings(args, PROBE_SCHEMA)
    keys = contract.contract_tag_keys(found, settings["tagKeys"])
    return contract.run_probes(resources, _probe_user(settings, keys))


def _probe_user(settings: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    return auth0.probe_user(
        keys or settings["tagKeys"], settings["tagAttributes"], settings["sessionNameAttribute"]
    )


def validate_role_contract(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = _stack(args)
    found = contract.federations(resources)
    instances = contract.of_type(resources, contract.INSTANCE_TYPE)
    findings = contract.tag_write_findings(found)
    findings += contract.trust_tag_findings(found)
    findings += contract.resource_tag_findings(found, instances)
    _report_findings(report_violation, findings)


def validate_auth0_contract(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    resources = _stack(args)
    _report_findings(report_violation, contract.action_binding_findings(resources))
    found = contract.federations(resources)
    if not found:
        return

    probes = _probes(args, resources, found)
    findings = contract.emitted_tag_findings(found, probes)
    findings += contract.role_attribute_findings(found, probes)
    findings += contract.audience_findings(found, contract.saml_clients(resources))
    findings += contract.metadata_source_findings(probes)
    # A login code that could not be run is reported once, not once per check that needed it.
    _report_findings(report_violation, dict.fromkeys(findings))
