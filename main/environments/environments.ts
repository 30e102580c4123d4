// Which Spine-style services Scrip talks to. "sandbox" is the embedded default (started in-process
// at launch); "integration" and "live" — or any other — are configured in environments.json in the
// data directory, each with its own CA bundle. Nothing national is hard-wired.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ScripError } from '../errors';

export const environmentConfig = z.object({
  label: z.string(),
  brokerUrl: z.url().describe('Security broker (SSB/GAS) base URL'),
  epsUrl: z.url().describe('EPS FHIR base URL, up to and including /FHIR/R4'),
  pdsUrl: z.url().describe('PDS-style patient index base URL'),
  caFile: z.string().optional().describe('PEM file with the CA certificates to trust for these services'),
  challengeDigest: z.enum(['sha1', 'sha256']).default('sha256').describe('Digest the card signs the broker challenge with (legacy GAS: sha1)'),
});
export type EnvironmentConfig = z.infer<typeof environmentConfig>;

export interface Environment extends Omit<EnvironmentConfig, 'caFile'> {
  name: string;
  caPem: string | null;
}

const fileSchema = z.object({ environments: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), environmentConfig) });

export function environmentsFile(dataDir: string): string {
  return join(dataDir, 'environments.json');
}

/** Configured environments (not the embedded sandbox), read fresh each time. */
export function configuredEnvironments(dataDir: string): Record<string, Environment> {
  const file = environmentsFile(dataDir);
  if (!existsSync(file)) return {};
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new ScripError('invalid-input', `${file} is not a valid environments file: ${e instanceof Error ? e.message : String(e)}`, undefined, 'Fix the file (see docs/environments.md) and try again.');
  }
  return Object.fromEntries(Object.entries(parsed.environments).map(([name, c]) => {
    const caPem = c.caFile ? readFileSync(c.caFile, 'utf8') : null;
    const { caFile: _caFile, ...rest } = c;
    return [name, { name, ...rest, caPem }];
  }));
}
