#!/usr/bin/env node
// Decides IAM requests offline with @cloud-copilot/iam-simulate's policy evaluation.
//
// Reads one JSON request on stdin:
//   {"principal": str?, "policies": [{"name": str, "document": {...}}],
//    "requests": [{"id": str, "action": "ec2:StopInstances", "resource": arn, "context": {...}}]}
// and writes one JSON answer on stdout:
//   {"decisions": [{"id": str, "decision": "allow" | "deny", "explicit": bool,
//                   "statement": str | null, "resource": str, "ignoredContextKeys": [str]}]}
//
// "explicit" is true when a statement decided (an Allow that granted, or a Deny that refused) and
// false for the implicit deny; "statement" is that statement's Sid, or "<policy>#<index>" without
// one. "ignoredContextKeys" lists context keys that do not apply to the action and resource,
// which is how a misspelt condition key shows up.
//
// Exit status 2 means a request could not be evaluated; the message is on stderr.
//
// The policies are the identity policies attached to the role; the principal is a session of that
// role, so no resource policy, permission boundary, SCP or session policy takes part.
'use strict';

const fs = require('node:fs');
const { isWildcardOnlyAction, runSimulation } = require('@cloud-copilot/iam-simulate');

const DEFAULT_PRINCIPAL = 'arn:aws:sts::111122223333:assumed-role/AccessByCostCenter/offline-session';

class RequestError extends Error {}

function readRequest() {
  let request;
  try {
    request = JSON.parse(fs.readFileSync(0, 'utf8'));
  } catch (failure) {
    throw new RequestError(`stdin is not one JSON document: ${failure.message}`);
  }
  if (!Array.isArray(request.policies) || !Array.isArray(request.requests)) {
    throw new RequestError('"policies" and "requests" must both be arrays');
  }
  return request;
}

function accountOf(arn) {
  const account = typeof arn === 'string' ? arn.split(':')[4] : undefined;
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

// AWS authorizes an action that supports no resource type against "*", whatever the caller names.
// An unknown action is left for runSimulation to report.
async function evaluatedResource(action, resource) {
  const [service, name] = action.split(':');
  try {
    return (await isWildcardOnlyAction(service, name)) ? '*' : resource;
  } catch (unknownAction) {
    return resource;
  }
}

function checkShape(request) {
  const fields = ['id', 'action', 'resource'];
  const missing = fields.filter((field) => typeof request[field] !== 'string');
  if (missing.length > 0) {
    throw new RequestError(
      `request ${JSON.stringify(request)} needs the string fields ${missing.join(', ')}`,
    );
  }
}

function statementName(analysis) {
  const sid = analysis.statement.sid();
  return sid || `${analysis.policyId}#${analysis.statement.index()}`;
}

function decisiveStatement(analysis) {
  const identity = analysis.identityAnalysis;
  if (!identity) {
    return null;
  }
  const decisive = analysis.result === 'Allowed'
    ? identity.allowStatements[0]
    : identity.denyStatements[0];
  return decisive ? statementName(decisive) : null;
}

function analysesOf(simulation) {
  if (simulation.resultType === 'single') {
    return [simulation.result];
  }
  return simulation.results;
}

function decisionOf(request, resource, simulation) {
  const results = analysesOf(simulation);
  const matching = results.find((item) => item.analysis.result === simulation.overallResult);
  const analysis = matching ? matching.analysis : { result: simulation.overallResult };
  const allowed = simulation.overallResult === 'Allowed';
  const explicit = simulation.overallResult !== 'ImplicitlyDenied';
  return {
    id: request.id,
    decision: allowed ? 'allow' : 'deny',
    explicit,
    statement: explicit ? decisiveStatement(analysis) : null,
    resource,
    ignoredContextKeys: [...new Set(results.flatMap((item) => item.ignoredContextKeys || []))],
  };
}

async function decide(identityPolicies, principal, request) {
  checkShape(request);
  const resource = await evaluatedResource(request.action, request.resource);
  const simulation = await runSimulation(
    {
      request: {
        principal,
        action: request.action,
        resource: { resource, accountId: accountOf(request.resource) || accountOf(principal) },
        contextVariables: request.context || {},
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: 'Strict' },
  );
  if (simulation.resultType === 'error') {
    const detail = JSON.stringify(simulation.errors);
    throw new RequestError(
      `request ${JSON.stringify(request.id)} (${request.action} on ${resource}) cannot be ` +
        `evaluated: ${detail}`,
    );
  }
  return decisionOf(request, resource, simulation);
}

async function main() {
  try {
    const request = readRequest();
    const principal = request.principal || DEFAULT_PRINCIPAL;
    const identityPolicies = request.policies.map((item) => ({
      name: item.name,
      policy: item.document,
    }));
    const decisions = [];
    for (const item of request.requests) {
      decisions.push(await decide(identityPolicies, principal, item));
    }
    process.stdout.write(JSON.stringify({ decisions }));
  } catch (failure) {
    if (!(failure instanceof RequestError)) {
      throw failure;
    }
    process.stderr.write(`decide: ${failure.message}\n`);
    process.exitCode = 2;
  }
}

main();
