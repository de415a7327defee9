#!/usr/bin/env node
// Runs Auth0 rule code or post-login Action code against sample logins, offline.
//
// Reads one JSON request on stdin:
//   {"kind": "rule" | "action", "code": str, "secrets": {...}, "timeoutMs": number?,
//    "logins": [{"user": {...}, "clientId": str, "clientName": str, "protocol": "samlp",
//                "addonMappings": {attributeUri: userPropertyPath}, "connection": str?}]}
// and writes one JSON answer on stdout:
//   {"results": [{"outcome": "issued" | "refused" | "untouched" | "error", "reason": str | null,
//                 "attributes": {attributeUri: str | [str]}, "logs": [str], "durationMs": number}]}
//
// Exit status 2 means the request itself was malformed; the message is on stderr.
//
// The code runs in a `vm` context with no require, process, timers or network, and with string
// code generation switched off. Node's vm is a guard against accidents, not a security boundary:
// the code run here is our own generated rule or a policy pack's fixture, never a stranger's.
//
// No dependencies on purpose: the CrossGuard policy pack runs this file on its own.
'use strict';

const fs = require('node:fs');
const vm = require('node:vm');

const DEFAULT_TIMEOUT_MS = 250;
const KINDS = ['rule', 'action'];

// Everything below runs inside the sandbox. Values cross the boundary as JSON text only, so the
// sandboxed code never holds an object from this realm (whose constructors would reach `process`).
const DRIVER_SOURCE = String.raw`
(function installDriver(sandbox) {
  'use strict';
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const hasOwn = Object.prototype.hasOwnProperty;
  const keysOf = Object.keys;
  const isArray = Array.isArray;
  const PromiseCtor = Promise;
  const StringCtor = String;
  let logs = [];
  let handler = null;
  let loadFailure = null;
  let current = null;

  class UnauthorizedError extends Error {
    constructor(message) {
      super(message);
      this.name = 'UnauthorizedError';
    }
  }

  function describe(value) {
    try {
      if (value && typeof value === 'object' && typeof value.message === 'string') {
        return (value.name ? value.name + ': ' : '') + value.message;
      }
      return StringCtor(value);
    } catch (failure) {
      return 'an unprintable value';
    }
  }

  function record(level) {
    return function () {
      const parts = [];
      for (let i = 0; i < arguments.length; i += 1) {
        parts.push(typeof arguments[i] === 'string' ? arguments[i] : describe(arguments[i]));
      }
      logs.push(level + ': ' + parts.join(' '));
    };
  }

  function isPlainObject(value) {
    return value !== null && typeof value === 'object' && !isArray(value);
  }

  function propertyAt(user, path) {
    if (typeof path !== 'string' || !isPlainObject(user)) {
      return undefined;
    }
    if (hasOwn.call(user, path)) {
      return user[path];
    }
    let value = user;
    for (const step of path.split('.')) {
      if (!isPlainObject(value) || !hasOwn.call(value, step)) {
        return undefined;
      }
      value = value[step];
    }
    return value;
  }

  // SAML attribute values are text; arrays become multi-valued attributes.
  function samlValue(value) {
    if (value === undefined || value === null) {
      return undefined;
    }
    if (isArray(value)) {
      return value.filter((item) => item !== undefined && item !== null).map(samlText);
    }
    return samlText(value);
  }

  function samlText(value) {
    return typeof value === 'object' ? stringify(value) : StringCtor(value);
  }

  function resolveMappings(mappings, user) {
    const attributes = {};
    for (const uri of keysOf(mappings)) {
      const value = samlValue(propertyAt(user, mappings[uri]));
      if (value !== undefined) {
        attributes[uri] = value;
      }
    }
    return attributes;
  }

  function settle(state, outcome, reason, attributes) {
    if (state.outcome !== null) {
      return;
    }
    state.outcome = outcome;
    state.reason = reason;
    state.attributes = attributes || {};
  }

  function newState(login) {
    return { outcome: null, reason: null, attributes: {}, logs: [], login: login };
  }

  function profileOf(login) {
    return parse(stringify(isPlainObject(login.user) ? login.user : {}));
  }

  function startRule(state) {
    const login = state.login;
    const user = profileOf(login);
    const before = stringify(user);
    const context = {
      clientID: login.clientId,
      clientName: login.clientName,
      clientMetadata: {},
      connection: login.connection || 'Username-Password-Authentication',
      connectionStrategy: 'auth0',
      protocol: login.protocol,
      samlConfiguration: {},
      request: { query: {}, body: {} },
      stats: { loginsCount: 1 },
    };

    function callback(failure, returnedUser, returnedContext) {
      if (failure) {
        settle(state, 'refused', describeRefusal(failure));
        return;
      }
      const finalUser = isPlainObject(returnedUser) ? returnedUser : user;
      const finalContext = isPlainObject(returnedContext) ? returnedContext : context;
      const saml = isPlainObject(finalContext.samlConfiguration) ? finalContext.samlConfiguration : {};
      const ruleMappings = isPlainObject(saml.mappings) ? saml.mappings : {};
      const mappings = Object.assign({}, login.addonMappings, ruleMappings);
      const touched = keysOf(saml).length > 0 || stringify(finalUser) !== before;
      const attributes = resolveMappings(mappings, finalUser);
      settle(state, touched ? 'issued' : 'untouched', null, attributes);
    }

    try {
      handler(user, context, callback);
    } catch (failure) {
      settle(state, 'error', 'the rule threw ' + describe(failure));
    }
  }

  function describeRefusal(failure) {
    try {
      return typeof failure.message === 'string' ? failure.message : StringCtor(failure);
    } catch (unreadable) {
      return 'an unprintable error';
    }
  }

  function startAction(state) {
    const login = state.login;
    const user = profileOf(login);
    const assigned = {};
    let denial = null;
    const event = {
      user: user,
      client: { client_id: login.clientId, name: login.clientName, metadata: {} },
      connection: { name: login.connection || 'Username-Password-Authentication', strategy: 'auth0' },
      transaction: { protocol: login.protocol },
      request: { query: {}, body: {} },
      stats: { logins_count: 1 },
      secrets: parse(sandbox.__sandboxSecrets),
    };
    const api = {
      samlResponse: {
        setAttribute(uri, value) {
          assigned[StringCtor(uri)] = value;
        },
      },
      access: {
        deny(reason) {
          denial = denial === null ? StringCtor(reason) : denial;
        },
      },
    };

    function finished() {
      if (denial !== null) {
        settle(state, 'refused', denial);
        return;
      }
      const attributes = resolveMappings(login.addonMappings || {}, user);
      for (const uri of keysOf(assigned)) {
        const value = samlValue(assigned[uri]);
        if (value === undefined) {
          delete attributes[uri];
        } else {
          attributes[uri] = value;
        }
      }
      settle(state, keysOf(assigned).length > 0 ? 'issued' : 'untouched', null, attributes);
    }

    function failed(failure) {
      settle(state, 'error', 'onExecutePostLogin threw ' + describe(failure));
    }

    try {
      PromiseCtor.resolve(handler(event, api)).then(finished, failed);
    } catch (failure) {
      failed(failure);
    }
  }

  const driver = {
    installRule(rule) {
      if (typeof rule !== 'function') {
        loadFailure = 'the rule code is not a function expression';
        return;
      }
      handler = rule;
    },
    installAction(moduleBody) {
      const module = { exports: {} };
      try {
        moduleBody(module.exports, module);
      } catch (failure) {
        loadFailure = 'the action module threw ' + describe(failure);
        return;
      }
      const exported = module.exports && module.exports.onExecutePostLogin;
      if (typeof exported !== 'function') {
        loadFailure = 'the action code does not export onExecutePostLogin';
        return;
      }
      handler = exported;
    },
    start(kind, loginJson) {
      logs = [];
      current = newState(parse(loginJson));
      if (loadFailure !== null) {
        settle(current, 'error', loadFailure);
        return;
      }
      if (kind === 'rule') {
        startRule(current);
      } else {
        startAction(current);
      }
    },
    finish(kind) {
      const state = current;
      if (state.outcome === null) {
        const missing = kind === 'rule'
          ? 'the rule never called callback'
          : 'onExecutePostLogin never finished';
        settle(state, 'error', missing);
      }
      return stringify({
        outcome: state.outcome,
        reason: state.reason,
        attributes: state.attributes,
        logs: logs.slice(0, 100),
      });
    },
  };

  sandbox.global = sandbox;
  sandbox.UnauthorizedError = UnauthorizedError;
  sandbox.configuration = parse(sandbox.__sandboxSecrets);
  sandbox.console = {
    log: record('log'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    debug: record('debug'),
  };
  Object.defineProperty(sandbox, '__sandboxDriver', {
    value: Object.freeze(driver),
    writable: false,
    configurable: false,
  });
})(globalThis);
`;

const driverScript = new vm.Script(DRIVER_SOURCE, { filename: 'auth0-sandbox-driver.js' });

class RequestError extends Error {}

function readRequest() {
  return parseRequest(fs.readFileSync(0, 'utf8'));
}

function parseRequest(text) {
  let request;
  try {
    request = JSON.parse(text);
  } catch (failure) {
    throw new RequestError(`stdin is not one JSON document: ${failure.message}`);
  }
  if (!KINDS.includes(request.kind)) {
    throw new RequestError(`"kind" must be "rule" or "action", got ${JSON.stringify(request.kind)}`);
  }
  if (typeof request.code !== 'string') {
    throw new RequestError('"code" must be the rule or action source text');
  }
  if (!Array.isArray(request.logins)) {
    throw new RequestError('"logins" must be an array of login objects');
  }
  return request;
}

// Rule code is a bare function expression and Action code is a CommonJS module; both are wrapped
// so the first line of the user's code is line 1 in stack traces.
function compileUserCode(kind, code) {
  const source = kind === 'rule'
    ? `__sandboxDriver.installRule((\n${code}\n));`
    : `__sandboxDriver.installAction(function (exports, module) {\n${code}\n});`;
  try {
    return { script: new vm.Script(source, { filename: `${kind}.js`, lineOffset: -1 }) };
  } catch (failure) {
    return { compileError: `the ${kind} code does not compile: ${failure.message}` };
  }
}

function createSandbox(request, userCode, timeoutMs) {
  const context = vm.createContext(
    { __sandboxSecrets: JSON.stringify(request.secrets || {}) },
    { codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate' },
  );
  driverScript.runInContext(context);
  userCode.script.runInContext(context, { timeout: timeoutMs });
  return context;
}

function runLogin(context, kind, login, timeoutMs) {
  context.__sandboxInput = JSON.stringify(login);
  context.__sandboxKind = kind;
  const started = process.hrtime.bigint();
  startScript.runInContext(context, { timeout: timeoutMs });
  const answer = JSON.parse(finishScript.runInContext(context, { timeout: timeoutMs }));
  answer.durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  return answer;
}

const startScript = new vm.Script('__sandboxDriver.start(__sandboxKind, __sandboxInput);');
const finishScript = new vm.Script('__sandboxDriver.finish(__sandboxKind);');

function failedLogin(reason, durationMs) {
  return { outcome: 'error', reason, attributes: {}, logs: [], durationMs };
}

function describeHostFailure(failure, timeoutMs) {
  if (failure && failure.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
    return `the code ran longer than ${timeoutMs} ms`;
  }
  return `the sandbox failed: ${failure && failure.message}`;
}

// One context serves the whole batch, as one Auth0 container serves many logins; a context that
// hit a timeout is thrown away because its execution was cut short mid-statement.
function runBatch(request) {
  const timeoutMs = Number.isFinite(request.timeoutMs) ? request.timeoutMs : DEFAULT_TIMEOUT_MS;
  const userCode = compileUserCode(request.kind, request.code);
  if (userCode.compileError) {
    return request.logins.map(() => failedLogin(userCode.compileError, 0));
  }

  const results = [];
  let context = null;
  let loadFailure = null;
  for (const login of request.logins) {
    if (loadFailure !== null) {
      results.push(failedLogin(loadFailure, 0));
      continue;
    }
    const started = process.hrtime.bigint();
    try {
      context = context || loadSandbox(request, userCode, timeoutMs);
      results.push(runLogin(context, request.kind, login, timeoutMs));
    } catch (failure) {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      const reason = describeHostFailure(failure, timeoutMs);
      loadFailure = failure instanceof LoadError ? reason : null;
      results.push(failedLogin(reason, elapsed));
      context = null;
    }
  }
  return results;
}

class LoadError extends Error {
  constructor(cause) {
    super(cause && cause.message);
    this.code = cause && cause.code;
  }
}

// Loading runs the action's module body, which can loop forever just like a login can; such code
// fails every login, so it is loaded once rather than once per login.
function loadSandbox(request, userCode, timeoutMs) {
  try {
    return createSandbox(request, userCode, timeoutMs);
  } catch (failure) {
    throw new LoadError(failure);
  }
}

// With --serve, one request per line of stdin and one answer per line of stdout, so a caller
// that analyzes many stacks or resources pays for starting Node once.
function serve() {
  const lines = require('readline').createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let answer;
    try {
      answer = { results: runBatch(parseRequest(line)) };
    } catch (failure) {
      answer = { error: failure.message };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  });
}

function main() {
  // A promise the sandboxed code rejects without a handler must not end this process.
  process.on('unhandledRejection', () => {});
  if (process.argv.includes('--serve')) {
    serve();
    return;
  }
  let request;
  try {
    request = readRequest();
  } catch (failure) {
    process.stderr.write(`auth0_sandbox: ${failure.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(JSON.stringify({ results: runBatch(request) }));
}

main();
