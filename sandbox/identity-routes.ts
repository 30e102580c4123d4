// The CIS2-style OpenID provider and the APIM-style gateway register themselves here (like
// eps-routes.ts); the gateway's access tokens become a way into the EPS routes.
import { registerRoutes } from './http/modules';
import type { RouteModule } from './http/context';
import { Cis2Provider } from './cis2/provider';
import { ApimGateway } from './apim/apim';

export const cis2ApimRoutes: RouteModule = (ctx) => {
  const op = new Cis2Provider(ctx);
  const apim = new ApimGateway(ctx, op);
  ctx.bearers.push((token) => apim.bearer(token));
  return [...op.routes(), ...apim.routes()];
};

registerRoutes(cis2ApimRoutes);
