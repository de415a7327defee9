"""The tag contract across the stack: role, trust, permission policies, instances and Auth0.

Each check returns (urn, message) pairs; an empty urn blames the stack as a whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import auth0
from .documents import DocumentError, load_document, principal_tag_keys, principal_tag_variable
from .permissions import resource_tag_keys, tag_write_grants
from .sandbox import LoginOutcome, SandboxUnavailableError, run_logins
from .trust import audiences, is_saml_trust, provider_arns, required_request_tags

ROLE_TYPE = "aws:iam/role:Role"
POLICY_TYPE = "aws:iam/policy:Policy"
ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INSTANCE_TYPE = "aws:ec2/instance:Instance"

Finding = tuple[str, str]


@dataclass(frozen=True)
class StackResource:
    """A resource of the stack: its final properties and which resources feed each input."""

    type: str
    urn: str
    name: str
    props: Mapping[str, Any]
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class PermissionDocument:
    """A permission policy document in force for a role, and the property that holds it."""

    resource: StackResource
    prop: str
    document: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f'{self.prop} of "{self.resource.name}"'


@dataclass(frozen=True)
class Federation:
    """A role trusted through SAML, its trust, and every permission document attached to it."""

    role: StackResource
    trust: Mapping[str, Any]
    documents: tuple[PermissionDocument, ...]
    unreadable: tuple[Finding, ...]

    def principal_tags(self) -> dict[str, PermissionDocument]:
        """Each key read as ${aws:PrincipalTag/K}, with the first document that reads it."""
        keys: dict[str, PermissionDocument] = {}
        for document in self.documents:
            for key in principal_tag_keys(document.document):
                keys.setdefault(key, document)
        return keys


@dataclass(frozen=True)
class Probe:
    """One run of a rule or Action for the stack's SAML client, or why it could not run."""

    resource: StackResource
    prop: str
    outcome: LoginOutcome | None
    failure: str = ""
    # The same user with app_metadata emptied: a fallback to user_metadata shows here.
    fallback: LoginOutcome | None = None

    def issued_attributes(self) -> Mapping[str, Any] | None:
        if self.outcome is None or self.outcome.outcome != "issued":
            return None
        return self.outcome.attributes

    def unprobed(self) -> Finding:
        return self.resource.urn, auth0.unprobed(self.prop, self._why())

    def _why(self) -> str:
        if self.outcome is None:
            return self.failure
        if self.outcome.outcome == "refused":
            return f'it refused the probe login ("{auth0.sentence(self.outcome.reason)}")'
        if self.outcome.outcome == "error":
            return self.outcome.reason
        return "it left the probe login to the AWS application untouched"


def of_type(resources: Iterable[StackResource], resource_type: str) -> list[StackResource]:
    return [resource for resource in resources if resource.type == resource_type]


def federations(resources: Sequence[StackResource]) -> list[Federation]:
    """Every role of the stack whose trust policy admits SAML sign-ins."""
    found = []
    for role in of_type(resources, ROLE_TYPE):
        trust = _readable(role.props.get("assumeRolePolicy"))
        if trust is not None and is_saml_trust(trust):
            found.append(_federation(role, trust, resources))
    return found


def _readable(value: Any) -> Mapping[str, Any] | None:
    """The parsed document, or None when it is missing or unreadable.

    An unreadable document is reported, as mandatory, by the resource policy of its own resource;
    the stack checks go on with every other document rather than stop.
    """
    if not value:
        return None
    try:
        return load_document(value)
    except DocumentError:
        return None


def _federation(
    role: StackResource, trust: Mapping[str, Any], resources: Sequence[StackResource]
) -> Federation:
    documents: list[PermissionDocument | None] = list(_inline_documents(role))
    documents += [
        _permission_document(item, '"policy"', item.props.get("policy"))
        for item in of_type(resources, ROLE_POLICY_TYPE)
        if _targets(item, role)
    ]
    unreadable: list[Finding] = []
    policies = of_type(resources, POLICY_TYPE)
    for attachment in of_type(resources, ATTACHMENT_TYPE):
        if not _targets(attachment, role):
            continue
        policy = _attached_policy(attachment, policies)
        if policy is None:
            unreadable.append(_unreadable(attachment, role))
        else:
            documents.append(_permission_document(policy, '"policy"', policy.props.get("policy")))
    readable = tuple(document for document in documents if document is not None)
    return Federation(role, trust, readable, tuple(unreadable))


def _permission_document(
    resource: StackResource, prop: str, value: Any
) -> PermissionDocument | None:
    document = _readable(value)
    return PermissionDocument(resource, prop, document) if document is not None else None


def _inline_documents(role: StackResource) -> Iterable[PermissionDocument | None]:
    for index, inline in enumerate(role.props.get("inlinePolicies") or []):
        text = inline.get("policy") if isinstance(inline, Mapping) else None
        yield _permission_document(role, f'"inlinePolicies[{index}].policy"', text)


def _targets(resource: StackResource, role: StackResource) -> bool:
    """True when an attachment or role policy names the role, by dependency or by value."""
    feeding = resource.property_dependencies.get("role")
    if feeding:
        return role.urn in feeding
    named = resource.props.get("role")
    # The name first: the ARN is unknown until the role exists, and only read when needed.
    return named is not None and (named == role.props.get("name") or named == role.props.get("arn"))


def _attached_policy(
    attachment: StackResource, policies: Sequence[StackResource]
) -> StackResource | None:
    feeding = attachment.property_dependencies.get("policyArn")
    if feeding:
        return next((policy for policy in policies if policy.urn in feeding), None)
    arn = attachment.props.get("policyArn")
    return next((policy for policy in policies if policy.props.get("arn") == arn), None)


def _unreadable(attachment: StackResource, role: StackResource) -> Finding:
    arn = attachment.props.get("policyArn")
    return attachment.urn, (
        f'Property "policyArn" attaches "{arn}" to role "{role.name}", but the stack does not '
        "hold that policy's document, so it cannot be checked."
    )


def tag_write_findings(found: Sequence[Federation]) -> list[Finding]:
    """No permission in force for a federated role may write EC2 tags."""
    findings: list[Finding] = []
    for federation in found:
        findings += list(federation.unreadable)
        for document in federation.documents:
            findings += [
                (document.resource.urn, message)
                for message in tag_write_grants(document.document, document.where)
            ]
    return findings


def resource_tag_findings(
    found: Sequence[Federation], instances: Sequence[StackResource]
) -> list[Finding]:
    """Every tag key the permissions match on instances is set on every instance."""
    keys: dict[str, PermissionDocument] = {}
    for federation in found:
        for document in federation.documents:
            for key in resource_tag_keys(document.document):
                keys.setdefault(key, document)
    return [
        (
            instance.urn,
            f'Property "tags.{key}" is missing or empty, yet {document.where} matches '
            f'"ec2:ResourceTag/{key}", so no session can start or stop this instance.',
        )
        for instance in instances
        for key, document in keys.items()
        if not (instance.props.get("tags") or {}).get(key)
    ]


def trust_tag_findings(found: Sequence[Federation]) -> list[Finding]:
    """Every principal tag a permission reads is a session tag the trust demands at sign-in."""
    findings = []
    for federation in found:
        keys = federation.principal_tags()
        required = required_request_tags(federation.trust, list(keys))
        findings += [
            (
                federation.role.urn,
                f'Property "assumeRolePolicy" does not require "aws:RequestTag/{key}", yet '
                f'{document.where} reads "{principal_tag_variable(key)}".',
            )
            for key, document in keys.items()
            if key not in required
        ]
    return findings


def emitted_tag_findings(found: Sequence[Federation], probes: Sequence[Probe]) -> list[Finding]:
    """Every principal tag a permission reads is a PrincipalTag attribute the login code emits."""
    findings: list[Finding] = []
    for federation in found:
        keys = federation.principal_tags()
        if keys and not probes:
            findings.append((federation.role.urn, _no_login_code(federation)))
        for probe in probes:
            findings += _emitted_tag_findings(keys, probe)
    return findings


def _no_login_code(federation: Federation) -> str:
    return (
        f'Role "{federation.role.name}" reads principal tags, but no Auth0 rule or Action in the '
        "stack emits them."
    )


def _emitted_tag_findings(keys: Mapping[str, PermissionDocument], probe: Probe) -> list[Finding]:
    attributes = probe.issued_attributes()
    if attributes is None:
        return [probe.unprobed()] if keys else []
    emitted = {uri.removeprefix(auth0.PRINCIPAL_TAG_ATTRIBUTE) for uri in attributes}
    return [
        (
            probe.resource.urn,
            f'Property "{probe.prop}" emits no "PrincipalTag:{key}" attribute, yet '
            f'{document.where} reads "{principal_tag_variable(key)}".',
        )
        for key, document in keys.items()
        if key not in emitted
    ]


def role_attribute_findings(found: Sequence[Federation], probes: Sequence[Probe]) -> list[Finding]:
    """The Role attribute names a federated role of the stack and the provider its trust names."""
    if not found:
        return []
    pairs = [_role_pair(federation) for federation in found]
    findings: list[Finding] = []
    if not probes:
        findings.append(
            (
                found[0].role.urn,
                f'Role "{found[0].role.name}" is named by no Role attribute: no Auth0 rule or '
                "Action in the stack emits one.",
            )
        )
    for probe in probes:
        attributes = probe.issued_attributes()
        if attributes is None:
            findings.append(probe.unprobed())
        elif not any(_names_pair(attributes.get(auth0.ROLE_ATTRIBUTE), pair) for pair in pairs):
            findings.append((probe.resource.urn, _role_mismatch(probe, attributes, pairs[0])))
    return findings


def _role_pair(federation: Federation) -> tuple[str, tuple[str, ...]]:
    return str(federation.role.props.get("arn")), tuple(provider_arns(federation.trust))


def _names_pair(value: Any, pair: tuple[str, tuple[str, ...]]) -> bool:
    role_arn, providers = pair
    for entry in value if isinstance(value, list) else [value]:
        arns = {part.strip() for part in str(entry).split(",")}
        if role_arn in arns and arns & set(providers):
            return True
    return False


def _role_mismatch(
    probe: Probe, attributes: Mapping[str, Any], pair: tuple[str, tuple[str, ...]]
) -> str:
    role_arn, providers = pair
    provider = providers[0] if providers else "(none)"
    sent = attributes.get(auth0.ROLE_ATTRIBUTE)
    shown = "no Role attribute" if sent is None else f'Role "{sent}"'
    return (
        f'Property "{probe.prop}" emits {shown}, which does not name role "{role_arn}" with the '
        f'SAML provider "{provider}" its trust names.'
    )


def audience_findings(
    found: Sequence[Federation], clients: Sequence[StackResource]
) -> list[Finding]:
    """The SAML client posts its assertion to a URL the role's trust accepts as SAML:aud."""
    if not found:
        return []

    accepted = [audience for federation in found for audience in audiences(federation.trust)]
    findings = []
    for client in clients:
        samlp = saml_addon(client) or {}
        for prop in ("recipient", "destination"):
            value = samlp.get(prop)
            if value not in accepted:
                findings.append((client.urn, _audience_mismatch(prop, value, found[0], accepted)))
    return findings


def _audience_mismatch(
    prop: str, value: Any, federation: Federation, accepted: Sequence[str]
) -> str:
    shown = "is not set" if value is None else f'is "{value}"'
    listed = ", ".join(accepted) or "none"
    return (
        f'Property "addons.samlp.{prop}" {shown}, which the trust of role '
        f'"{federation.role.name}" does not accept as SAML:aud ({listed}).'
    )


def metadata_source_findings(probes: Sequence[Probe]) -> list[Finding]:
    """No PrincipalTag value may come from user_metadata, which users can edit themselves."""
    findings = []
    for probe in probes:
        attributes = probe.issued_attributes()
        if attributes is None:
            findings.append(probe.unprobed())
            continue
        fallback = probe.fallback.attributes if probe.fallback is not None else {}
        findings += [
            (
                probe.resource.urn,
                f'Property "{probe.prop}" takes "{uri.removeprefix(auth0.AWS_ATTRIBUTE_PREFIX)}" '
                "from user_metadata, which users can edit themselves; read it from app_metadata.",
            )
            for uri in sorted(_user_metadata_tags(attributes) | _user_metadata_tags(fallback))
        ]
    return findings


def _user_metadata_tags(attributes: Mapping[str, Any]) -> set[str]:
    return {
        uri
        for uri, value in attributes.items()
        if uri.startswith(auth0.PRINCIPAL_TAG_ATTRIBUTE) and auth0.USER_METADATA_MARK in str(value)
    }


def saml_addon(client: StackResource) -> Mapping[str, Any] | None:
    addons = client.props.get("addons")
    samlp = addons.get("samlp") if isinstance(addons, Mapping) else None
    return samlp if isinstance(samlp, Mapping) else None


def saml_clients(resources: Sequence[StackResource]) -> list[StackResource]:
    return [client for client in of_type(resources, auth0.CLIENT_TYPE) if saml_addon(client)]


def login_code_resources(resources: Sequence[StackResource]) -> list[StackResource]:
    """Rules that are not switched off, and Actions."""
    rules = [
        rule
        for rule in of_type(resources, auth0.RULE_TYPE)
        if rule.props.get("enabled") is not False
    ]
    return rules + of_type(resources, auth0.ACTION_TYPE)


def run_probes(resources: Sequence[StackResource], user: Mapping[str, Any]) -> list[Probe]:
    """Runs each rule and Action of the stack once per SAML client, as the probe user."""
    clients = saml_clients(resources)
    probes = []
    for code in login_code_resources(resources):
        prop = auth0.code_property(code.type)
        if not clients:
            probes.append(
                Probe(code, prop, None, "the stack has no Auth0 client with a samlp addon")
            )
        probes += [_probe(code, prop, client, user) for client in clients]
    return probes


def _probe(code: StackResource, prop: str, client: StackResource, user: Mapping[str, Any]) -> Probe:
    client_id = client.props.get("clientId")
    if not client_id:
        return Probe(code, prop, None, f'client "{client.name}" has no clientId yet')
    mappings = (saml_addon(client) or {}).get("mappings") or {}
    logins = [
        auth0.probe_login(str(client_id), user, mappings),
        auth0.probe_login(str(client_id), {**user, "app_metadata": {}}, mappings),
    ]
    try:
        outcome, fallback = run_logins(
            auth0.code_kind(code.type),
            str(code.props.get(prop) or ""),
            logins,
            auth0.action_secrets(code.props),
        )
    except SandboxUnavailableError as error:
        return Probe(code, prop, None, str(error))
    return Probe(code, prop, outcome, fallback=fallback)


TRIGGER_BINDING_TYPES = (
    "auth0:index/triggerAction:TriggerAction",
    "auth0:index/triggerActions:TriggerActions",
)
POST_LOGIN = "post-login"


def action_binding_findings(resources: Sequence[StackResource]) -> list[Finding]:
    """Each Action must be deployed and bound to post-login, or it never runs at all."""
    bound = _bound_action_urns(resources)
    findings: list[Finding] = []
    for action in of_type(resources, auth0.ACTION_TYPE):
        if action.props.get("deploy") is not True:
            findings.append(
                (action.urn, 'Property "deploy" is not true, so the Action never runs; deploy it.')
            )
        if action.urn not in bound:
            findings.append(
                (
                    action.urn,
                    "No post-login trigger binding references this Action, so it never runs and "
                    "logins get no AWS attributes; bind it with an auth0.TriggerAction.",
                )
            )
    return findings


def _bound_action_urns(resources: Sequence[StackResource]) -> set[str]:
    # Dependencies, not ids: during a preview the Action's id is not known yet.
    bound: set[str] = set()
    for binding_type in TRIGGER_BINDING_TYPES:
        for binding in of_type(resources, binding_type):
            if binding.props.get("trigger") != POST_LOGIN:
                continue
            for prop in ("actionId", "actions"):
                bound.update(binding.property_dependencies.get(prop, ()))
    return bound


def contract_tag_keys(found: Sequence[Federation], configured: Sequence[str]) -> list[str]:
    """The tag keys a probe user must carry: configured ones and those the permissions read."""
    keys = dict.fromkeys(configured)
    for federation in found:
        keys.update(dict.fromkeys(federation.principal_tags()))
    return list(keys)
