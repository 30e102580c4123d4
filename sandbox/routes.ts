// Every service the sandbox mounts, in one list: adding a sandbox route module is adding it here.
// test/sandbox/routes.test.ts fails when a module exported under sandbox/ (a function named
// `…Routes`) is missing from this list. Order is match order: the first route whose pattern matches wins.
import type { RouteModule } from './http/context';
import { operatorRoutes } from './operator/routes';
import { brokerRoutes } from './broker/routes';
import { pdsRoutes } from './pds/pds';
import { directoryRoutes } from './directory/routes';
import { cis2ApimRoutes } from './cis2/routes';
import { prepareRoutes } from './eps/prepare';
import { processMessageRoutes } from './eps/process-message';
import { releaseRoutes } from './eps/release';
import { taskRoutes } from './eps/task';
import { trackerRoutes } from './eps/tracker';
import { convertRoutes } from './eps/convert';

export const SANDBOX_ROUTES: readonly RouteModule[] = [
  brokerRoutes,
  pdsRoutes,
  operatorRoutes,
  directoryRoutes,
  prepareRoutes,
  processMessageRoutes,
  releaseRoutes,
  taskRoutes,
  trackerRoutes,
  convertRoutes,
  cis2ApimRoutes,
];
