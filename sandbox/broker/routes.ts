// The security broker's login routes (/login/authactivate, /login/authvalidate, …), as a route module.
// Kept apart from broker.ts: the context names the broker's type, so broker.ts must not name the context's.
import type { RouteModule } from '../http/context';

export const brokerRoutes: RouteModule = (ctx) => ctx.broker.routes();
