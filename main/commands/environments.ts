// Environments under the user's control: which broker, EPS and PDS Scrip talks to, with which CA
// bundle. Changing the one in use never happens under a live session (EnvironmentService guards it).
import { z } from 'zod';
import { defineCommand, type CommandContext } from './registry';
import { saveInput } from '../environments/environment-service';
import { failureKinds } from '../net/reachability';

const certificate = z.object({ subject: z.string(), issuer: z.string(), validFrom: z.string(), validTo: z.string() });
const environmentSummary = z.object({
  name: z.string(),
  label: z.string(),
  builtIn: z.boolean().describe('The embedded sandbox: cannot be edited or removed'),
  selected: z.boolean().describe('The environment the next session uses'),
  brokerUrl: z.string().nullable(),
  epsUrl: z.string().nullable(),
  pdsUrl: z.string().nullable(),
  challengeDigest: z.enum(['sha1', 'sha256']),
  auth: z.enum(['ssb', 'cis2-apim']).describe('ssb: security broker sessions; cis2-apim: CIS2 login exchanged at APIM'),
  cis2: z
    .object({
      issuer: z.string().nullable(),
      clientId: z.string().nullable(),
      apimTokenUrl: z.string().nullable(),
      apimClientId: z.string().nullable(),
      apimKeyId: z.string().nullable(),
    })
    .nullable()
    .describe("cis2-apim: the CIS2 issuer, APIM token URL and the application's IDs (its key stays in the keychain)"),
  ca: z.object({
    source: z
      .enum(['built-in', 'file', 'system'])
      .describe("file: a CA bundle; system: the operating system's CA store"),
    file: z.string().nullable(),
    certificates: z.array(certificate.extend({ fingerprint256: z.string() })),
  }),
  problem: z.string().nullable().describe('Why it cannot be used as it stands, if it cannot'),
});

const environmentCheck = z.object({
  name: z.string(),
  label: z.string(),
  ok: z.boolean(),
  services: z.array(
    z.object({
      service: z.enum(['broker', 'eps', 'pds', 'cis2', 'jwks', 'apim']),
      name: z.string(),
      url: z.string(),
      ok: z.boolean(),
      failure: z
        .enum(failureKinds)
        .nullable()
        .describe(
          'Which step failed: dns, refused, unreachable, timeout, untrusted, expired, not-yet-valid, wrong-name, tls, http',
        ),
      detail: z.string(),
      httpStatus: z.number().nullable(),
      ms: z.number(),
      certificate: certificate.nullable().describe('What the server presented, trusted or not'),
    }),
  ),
});

const envName = z.string().min(1).max(40).describe('The environment\'s short name, e.g. "integration"');

// Changing the environment in use is guarded by the environment service (a live session, prescriptions waiting).
const change = (ctx: CommandContext, endSession: boolean) => ({ by: ctx.caller.label, endSession });

export const environmentsList = defineCommand({
  name: 'environments.list',
  summary: 'List the environments (sandbox, integration, live …) and which one is in use',
  http: { method: 'GET', path: '/environments' },
  input: z.object({}),
  output: z.object({ environments: z.array(environmentSummary), selected: z.string() }),
  needs: { scope: 'read' },
  run: async (_i, ctx) => ({
    environments: ctx.services.environments.list(),
    selected: ctx.services.environments.selectedName,
  }),
});

export const environmentsSave = defineCommand({
  name: 'environments.save',
  summary: 'Add an environment, or change one: https base URLs and the CA bundle to trust',
  description:
    'Every field is checked before anything is written: https addresses only, and a CA bundle of PEM certificates that are CA certificates and in date. Changing the environment in use needs the session to end first (endSession).',
  http: { method: 'PUT', path: '/environments/{name}' },
  input: saveInput.extend({
    endSession: z
      .boolean()
      .default(false)
      .describe('If this is the environment in use and you are logged in: log out first'),
  }),
  output: environmentSummary,
  needs: { scope: 'admin' },
  cli: { positional: ['name'] },
  errors: ['invalid-input', 'bad-state'],
  run: async (input, ctx) => {
    const { endSession, ...rest } = input;
    const saved = ctx.services.environments.save(rest, change(ctx, endSession));
    ctx.services.audit.append(ctx.caller.label, 'environments.save', {
      name: saved.name,
      brokerUrl: saved.brokerUrl,
      epsUrl: saved.epsUrl,
      pdsUrl: saved.pdsUrl,
      ca: saved.ca.source,
      caCertificates: saved.ca.certificates.map((c) => c.fingerprint256),
    });
    return saved;
  },
});

export const environmentsRemove = defineCommand({
  name: 'environments.remove',
  summary: 'Remove a configured environment (the sandbox is built in and stays)',
  http: { method: 'DELETE', path: '/environments/{name}' },
  input: z.object({
    name: envName,
    endSession: z
      .boolean()
      .default(false)
      .describe('If it is the environment in use and you are logged in: log out first'),
  }),
  output: z.object({ environments: z.array(environmentSummary), selected: z.string() }),
  needs: { scope: 'admin' },
  cli: { positional: ['name'] },
  errors: ['not-found', 'invalid-input', 'bad-state'],
  run: async (input, ctx) => {
    const environments = ctx.services.environments.remove(input.name, change(ctx, input.endSession));
    ctx.services.audit.append(ctx.caller.label, 'environments.remove', { name: input.name });
    return { environments, selected: ctx.services.environments.selectedName };
  },
});

export const environmentsUse = defineCommand({
  name: 'environments.use',
  summary: 'Choose the environment the next session uses',
  description:
    'Refused while you are logged in (the session belongs to its environment) unless endSession is set, which logs you out first; refused while signed prescriptions wait to be sent. The choice is remembered for the next start.',
  http: { method: 'POST', path: '/environments/{name}/use' },
  input: z.object({
    name: envName,
    endSession: z.boolean().default(false).describe('If you are logged in: log out first'),
  }),
  output: environmentSummary,
  needs: { scope: 'admin' },
  cli: { positional: ['name'] },
  errors: ['not-found', 'bad-state', 'invalid-input'],
  run: async (input, ctx) => {
    const envs = ctx.services.environments;
    if (envs.selectedName === input.name) return envs.list().find((e) => e.name === input.name)!;
    const chosen = await envs.use(input.name, change(ctx, input.endSession));
    ctx.services.audit.append(ctx.caller.label, 'environments.use', { name: chosen.name, brokerUrl: chosen.brokerUrl });
    ctx.services.events.emit('environments.changed', { selected: chosen.name });
    return chosen;
  },
});

export const environmentsCheck = defineCommand({
  name: 'environments.check',
  summary: 'Check that each service of an environment answers over TLS trusted by its CA bundle',
  description:
    "For the broker (or, for cis2-apim, CIS2 discovery, its JWKS and the APIM token endpoint), EPS and PDS: DNS, connection, TLS handshake against the environment's CA bundle (trusted, in date, for that host name) and an HTTP answer, naming the step that failed.",
  http: { method: 'POST', path: '/environments/{name}/check' },
  input: z.object({ name: envName }),
  output: environmentCheck,
  needs: { scope: 'read' },
  cli: { positional: ['name'] },
  errors: ['not-found', 'bad-state'],
  run: async (input, ctx) => ctx.services.environments.check(input.name),
});

export const environmentCommands = [
  environmentsList,
  environmentsSave,
  environmentsRemove,
  environmentsUse,
  environmentsCheck,
];
