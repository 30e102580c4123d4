// The CIS2-style OpenID provider and the APIM-style gateway, mounted together: the gateway exchanges
// the provider's ID tokens, and its access tokens become a way into the EPS routes (ctx.bearers).
import type { RouteModule } from '../http/context';
import { Cis2Provider } from './provider';
import { ApimGateway } from '../apim/apim';

export const cis2ApimRoutes: RouteModule = (ctx) => {
  const op = new Cis2Provider(ctx);
  const apim = new ApimGateway(ctx, op);
  ctx.bearers.push((token) => apim.bearer(token));
  return [...op.routes(), ...apim.routes()];
};
