// The registry of extra route modules (EPS and any later service). A module registers itself at
// import time; the server mounts every registered module on each startSandbox. Kept apart from
// server.ts so that a route module can import it without an import cycle.
import type { RouteModule } from './context';

const modules: RouteModule[] = [];

export function registerRoutes(m: RouteModule): void {
  if (!modules.includes(m)) modules.push(m);
}

export function registeredRouteModules(): readonly RouteModule[] {
  return modules;
}
