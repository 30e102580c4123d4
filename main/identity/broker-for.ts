// Which Broker a login uses: the security broker (ssb) or CIS2 + APIM (cis2-apim), by the
// environment's authentication kind. The identity service is the same for both.
import { ScripError } from '../errors';
import type { Environment } from '../environments/environments';
import type { ServiceClient } from '../net/service-client';
import type { Keychain } from '../../native/keychain/keychain';
import type { Broker } from './broker';
import { HttpBroker } from './http-broker';
import { Cis2ApimBroker } from './cis2/cis2-apim-broker';
import { appKeyAccount, loadAppKey } from './cis2/app-key';
import type { BrowserOpener } from './cis2/oidc-login';

interface BrokerDeps {
  http: (serviceName: string) => ServiceClient;
  keychain: () => Keychain;
  dataDir: string;
  onLost: () => void;
  /** Opens the CIS2 login in the user's browser (absent: this surface cannot). */
  openBrowser?: BrowserOpener;
}

export function brokerFor(env: Environment, d: BrokerDeps): Broker {
  if (env.auth !== 'cis2-apim') {
    if (!env.brokerUrl)
      throw new ScripError(
        'bad-state',
        `The environment "${env.label}" has no security broker address.`,
        undefined,
        'Give its security broker address in Settings, or choose CIS2 and APIM as its authentication.',
      );
    return new HttpBroker(d.http('The security broker'), env.brokerUrl, env.challengeDigest);
  }
  const { cis2Issuer, cis2ClientId, apimTokenUrl, apimClientId } = env;
  if (!cis2Issuer || !cis2ClientId || !apimTokenUrl || !apimClientId) {
    throw new ScripError(
      'bad-state',
      `The environment "${env.label}" uses CIS2 and APIM but lacks their addresses or client IDs.`,
      undefined,
      'Complete the environment in Settings.',
    );
  }
  const account = appKeyAccount(d.dataDir, env.name);
  return new Cis2ApimBroker({
    http: d.http('CIS2 and APIM'),
    onLost: d.onLost,
    ...(d.openBrowser ? { openBrowser: d.openBrowser } : {}),
    settings: {
      cis2Issuer,
      cis2ClientId,
      apimTokenUrl,
      apimClientId,
      ...(env.cis2Login ? { cis2Login: env.cis2Login } : {}),
    },
    appKey: async () => {
      const k = await loadAppKey(d.keychain(), account, { kid: env.apimKeyId, create: !!env.registerAppKey });
      env.registerAppKey?.({ kid: k.kid, jwk: k.jwk });
      return k;
    },
  });
}
