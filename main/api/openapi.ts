// The OpenAPI 3.1 document, generated from the registry: one operation per command, schemas from
// the same zod definitions that validate every call. Nothing here is written by hand per command.
import { z } from 'zod';
import type { AnyCommand, Registry } from '../commands/registry';
import { cliPath, inputInQuery, pathParams } from '../commands/cli-data';
import { scopes, type Scope } from './scopes';
import { eventScopes } from './event-scopes';
import { errorCatalogue } from '../errors';
import { eventSchemas } from '../events';
import { appVersion } from '../config';

type JsonSchema = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const js = z.toJSONSchema(s, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete js.$schema;
  return js;
}

const errorBodySchema: JsonSchema = {
  type: 'object',
  required: ['code', 'message', 'action', 'retriable'],
  properties: {
    code: { type: 'string', enum: Object.keys(errorCatalogue) },
    message: { type: 'string', description: 'What went wrong, for a person' },
    action: { type: 'string', description: 'What the person can do about it' },
    retriable: { type: 'boolean' },
    details: { type: 'object' },
  },
};

function operation(c: AnyCommand): JsonSchema {
  const input = schemaOf(c.input, 'input');
  const props = (input.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((input.required ?? []) as string[]);
  const inPath = pathParams(c.http.path);
  const parameters: JsonSchema[] = inPath.map((p) => ({
    name: p,
    in: 'path',
    required: true,
    schema: props[p] ?? { type: 'string' },
  }));
  const op: JsonSchema = {
    operationId: c.name,
    summary: c.summary,
    ...(c.description ? { description: c.description } : {}),
    tags: [c.name.split('.')[0]],
    'x-scrip-scope': c.needs.scope,
    'x-scrip-scopes-allowed': c.needs.scope === 'admin' ? ['admin'] : [c.needs.scope, 'admin'],
    'x-scrip-cli': `scrip ${cliPath(c).join(' ')}`,
    security: [{ apiKey: [] }, { browserSession: [] }],
  };
  if (inputInQuery(c)) {
    for (const [k, v] of Object.entries(props)) {
      if (!inPath.includes(k)) parameters.push({ name: k, in: 'query', required: required.has(k), schema: v });
    }
  } else {
    const bodyProps = Object.fromEntries(Object.entries(props).filter(([k]) => !inPath.includes(k)));
    op.requestBody = {
      required: true,
      content: {
        'application/json': {
          schema: { ...input, properties: bodyProps, required: [...required].filter((k) => !inPath.includes(k)) },
        },
      },
    };
  }
  if (parameters.length) op.parameters = parameters;
  const responses: JsonSchema = {
    200: { description: 'Success', content: { 'application/json': { schema: schemaOf(c.output, 'output') } } },
    400: { $ref: '#/components/responses/Error' },
    401: { $ref: '#/components/responses/Error' },
    403: { $ref: '#/components/responses/Error' },
  };
  for (const code of c.errors ?? [])
    responses[String(errorCatalogue[code].status)] = { $ref: '#/components/responses/Error' };
  op.responses = responses;
  return op;
}

const scopeMeaning: Record<Scope, string> = {
  read: 'See readers, the card, the session, prescriptions, settings and events about them.',
  ticket: 'Take the live session for a local program (Ticket API): ticket.get, ticket.request. Nothing else.',
  login:
    'Act on the card session: check the PIN, log in, choose a role, log out. PIN attempts are audited, and refused to programs when one try is left.',
  prescribe: 'Write, change and send prescriptions.',
  sign: 'Sign prescriptions with the card.',
  dispense: "Release, dispense, return and withdraw (the pharmacist's side).",
  admin: 'Everything, including API keys, the audit log and card PIN management.',
};

/** Scope → the commands it opens (admin opens all): the matrix programs and people read. */
function scopeMatrix(registry: Registry): Record<Scope, { meaning: string; commands: string[] }> {
  return Object.fromEntries(
    scopes.map((s) => [
      s,
      {
        meaning: scopeMeaning[s],
        commands: registry
          .all()
          .filter((c) => s === 'admin' || c.needs.scope === s)
          .map((c) => c.name),
      },
    ]),
  ) as Record<Scope, { meaning: string; commands: string[] }>;
}

export function openApiDocument(registry: Registry): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const c of registry.all()) {
    (paths[c.http.path] ??= {})[c.http.method.toLowerCase()] = operation(c);
  }
  paths['/status'] = {
    get: {
      operationId: 'status',
      summary: 'Is Scrip running (no key needed)',
      security: [],
      responses: { 200: { description: 'Running', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  paths['/events'] = {
    get: {
      operationId: 'events',
      summary: 'Server-Sent Events: every app event as it happens',
      description:
        'Each message has `event: <type>` and `data: {type, at, data}`. A caller receives only the events its scopes may read (`x-scrip-event-scopes`). Types: ' +
        Object.keys(eventSchemas).join(', '),
      'x-scrip-event-scopes': eventScopes,
      security: [{ apiKey: [] }, { browserSession: [] }],
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
      },
    },
  };
  paths['/rpc/{command}'] = {
    post: {
      operationId: 'rpc',
      summary: 'Call any command by name with a JSON input (the transport the UI uses)',
      security: [{ apiKey: [] }, { browserSession: [] }],
      parameters: [{ name: 'command', in: 'path', required: true, schema: { type: 'string', enum: registry.names() } }],
      requestBody: { required: false, content: { 'application/json': { schema: { type: 'object' } } } },
      responses: {
        200: { description: "The command's output" },
        400: { $ref: '#/components/responses/Error' },
        404: { $ref: '#/components/responses/Error' },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Scrip local API',
      version: appVersion,
      description:
        'Everything a person can do in Scrip, a program can do here. Loopback only; API keys are issued and revoked by the user. Each key holds scopes; `x-scrip-scopes` lists what each scope opens, and each operation names its scope in `x-scrip-scope`.',
    },
    'x-scrip-scopes': scopeMatrix(registry),
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from "scrip api-key create" or the API keys page',
        },
        browserSession: {
          type: 'apiKey',
          in: 'header',
          name: 'x-scrip-session',
          description: "Browser mode only: the tab's secret, from the one-time link (never a cookie)",
        },
      },
      schemas: {
        Error: errorBodySchema,
        ...Object.fromEntries(Object.entries(eventSchemas).map(([k, s]) => [`Event_${k}`, schemaOf(s, 'output')])),
      },
      responses: {
        Error: {
          description: 'An error a person can act on',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
  };
}
