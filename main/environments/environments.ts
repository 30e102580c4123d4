// Which Spine-style services Scrip talks to. "sandbox" is the embedded default (started in-process
// at launch); "integration" and "live" — or any other — are configured in environments.json in the
// data directory, each with its own CA bundle. Nothing national is hard-wired.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { ScripError } from '../errors';

export const BUILT_IN = 'sandbox';
const environmentName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, starting with a letter (at most 40)');

const environmentConfig = z.object({
  label: z.string(),
  brokerUrl: z
    .url()
    .optional()
    .describe('Security broker (SSB/GAS) base URL (auth ssb; a cis2-apim environment needs none)'),
  epsUrl: z.url().describe('EPS FHIR base URL, up to and including /FHIR/R4'),
  pdsUrl: z.url().describe('PDS-style patient index base URL'),
  caFile: z.string().optional().describe('PEM file with the CA certificates to trust for these services'),
  challengeDigest: z
    .enum(['sha1', 'sha256'])
    .default('sha256')
    .describe('Digest the card signs the broker challenge with (legacy GAS: sha1)'),
  auth: z
    .enum(['ssb', 'cis2-apim'])
    .default('ssb')
    .describe(
      "ssb: the security broker's session token; cis2-apim: a CIS2 login exchanged at APIM for an access token",
    ),
  cis2Issuer: z.url().optional().describe('CIS2 issuer (discovery at /.well-known/openid-configuration)'),
  cis2Login: z
    .enum(['system-browser', 'agent'])
    .optional()
    .describe(
      "system-browser (default): the CIS2 login opens in the user's browser (RFC 8252); agent: Scrip completes the sandbox provider's card page itself (decision 0017)",
    ),
  cis2ClientId: z.string().optional().describe("The application's CIS2 client ID"),
  apimTokenUrl: z.url().optional().describe('APIM OAuth token endpoint'),
  apimClientId: z.string().optional().describe("The application's APIM client ID (API key)"),
  apimKeyId: z.string().optional().describe('kid of the application key kept in the OS keychain'),
});
export const authKinds = ['ssb', 'cis2-apim'] as const;
export type AuthKind = (typeof authKinds)[number];
export type EnvironmentConfig = z.infer<typeof environmentConfig>;

export interface Environment extends Omit<EnvironmentConfig, 'caFile' | 'auth'> {
  name: string;
  /** How sessions are authenticated (absent: ssb). */
  auth?: AuthKind;
  caPem: string | null;
  /** Where caPem came from (null: the system's trust store, or built in). */
  caFile?: string | null;
  /** The embedded sandbox only: registers the application key Scrip made with its APIM-style gateway. */
  registerAppKey?: (key: { kid: string; jwk: Record<string, unknown> }) => void;
}

const fileSchema = z.object({
  environments: z.record(environmentName, environmentConfig).default({}),
  /** The environment the next session uses (environments.use). */
  selected: z.string().optional(),
});
type EnvironmentsFile = z.infer<typeof fileSchema>;

export function environmentsFile(dataDir: string): string {
  return join(dataDir, 'environments.json');
}

/** Where CA bundles pasted into Scrip (rather than named by path) are kept. */
export function caDir(dataDir: string): string {
  return join(dataDir, 'environments');
}

export function readEnvironmentsFile(dataDir: string): EnvironmentsFile {
  const file = environmentsFile(dataDir);
  if (!existsSync(file)) return { environments: {} };
  try {
    return fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    const why =
      e instanceof z.ZodError
        ? e.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')
        : e instanceof Error
          ? e.message
          : String(e);
    throw new ScripError(
      'invalid-input',
      `${file} is not a valid environments file: ${why}`,
      undefined,
      "Fix or remove the file, or change environments in Scrip's Settings, and try again.",
    );
  }
}

/** Written whole to a temporary file and renamed, so a crash never leaves half a file. */
export function writeEnvironmentsFile(dataDir: string, content: EnvironmentsFile): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = environmentsFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

export function readCaFile(dataDir: string, caFile: string): string {
  const path = isAbsolute(caFile) ? caFile : join(dataDir, caFile);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScripError(
      'invalid-input',
      `The CA bundle ${path} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`,
      { caFile: path },
      'Put the file back, or choose another CA bundle for this environment in Settings.',
    );
  }
}

/** Configured environments (not the embedded sandbox), read fresh each time. */
export function configuredEnvironments(dataDir: string): Record<string, Environment> {
  const parsed = readEnvironmentsFile(dataDir);
  return Object.fromEntries(
    Object.entries(parsed.environments).map(([name, c]) => {
      const { caFile, ...rest } = c;
      return [name, { name, ...rest, caPem: caFile ? readCaFile(dataDir, caFile) : null, caFile: caFile ?? null }];
    }),
  );
}
