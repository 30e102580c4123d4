// `environments check` for a cis2-apim environment: besides TLS and an HTTP answer, the CIS2
// discovery document must name the configured issuer and a jwks_uri, and that JWKS must hold
// signing keys — the two things a login cannot do without.
import { probeService, type ProbeResult } from '../net/reachability';
import { ServiceClient } from '../net/service-client';
import type { Environment } from './environments';

type IdentityProbe = { service: 'cis2' | 'jwks' | 'apim' } & ProbeResult;

async function readJson(client: ServiceClient, url: string): Promise<Record<string, unknown> | string> {
  try {
    const res = await client.send(url, { headers: { accept: 'application/json' } });
    if (res.status !== 200) return `answered HTTP ${res.status}`;
    const v = JSON.parse(res.body.toString('utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : 'did not answer a JSON object';
  } catch (e) {
    return e instanceof SyntaxError ? 'did not answer JSON' : e instanceof Error ? e.message : String(e);
  }
}

const fail = (r: ProbeResult, detail: string): ProbeResult => ({ ...r, ok: false, failure: 'http', detail });

export async function checkIdentityServices(
  env: Environment,
  opts: { timeoutMs?: number } = {},
): Promise<IdentityProbe[]> {
  const probe = (url: string) =>
    probeService(url, { caPem: env.caPem, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  const client = new ServiceClient({
    serviceName: 'CIS2',
    ...(env.caPem ? { caPem: env.caPem } : {}),
    timeoutMs: opts.timeoutMs ?? 5000,
  });
  try {
    const issuer = (env.cis2Issuer ?? '').replace(/\/$/, '');
    const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
    const [discovery, apim] = await Promise.all([probe(discoveryUrl), probe(env.apimTokenUrl ?? '')]);
    let cis2: ProbeResult = discovery,
      jwks: ProbeResult = fail(discovery, 'not checked: the discovery document could not be read');
    if (discovery.ok) {
      const doc = await readJson(client, discoveryUrl);
      if (typeof doc === 'string') cis2 = fail(discovery, `the discovery document ${doc}`);
      else if (doc.issuer !== issuer)
        cis2 = fail(discovery, `the discovery document names the issuer ${String(doc.issuer)}, not ${issuer}`);
      else if (typeof doc.jwks_uri !== 'string') cis2 = fail(discovery, 'the discovery document names no jwks_uri');
      else {
        cis2 = { ...discovery, detail: `${discovery.detail}; issuer and endpoints published` };
        const p = await probe(doc.jwks_uri);
        jwks = p;
        if (p.ok) {
          const set = await readJson(client, doc.jwks_uri);
          const keys =
            typeof set === 'string' ? [] : Array.isArray(set.keys) ? (set.keys as Array<Record<string, unknown>>) : [];
          const signing = keys.filter((k) => typeof k.kid === 'string' && k.use !== 'enc');
          jwks =
            typeof set === 'string'
              ? fail(p, `the JWKS ${set}`)
              : signing.length
                ? { ...p, detail: `${p.detail}; ${signing.length} signing key${signing.length === 1 ? '' : 's'}` }
                : fail(p, 'the JWKS holds no signing key with a kid');
        }
      }
    }
    return [
      { service: 'cis2', ...cis2 },
      { service: 'jwks', ...jwks },
      { service: 'apim', ...apim },
    ];
  } finally {
    client.close();
  }
}
