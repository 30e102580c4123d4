// Registers the EPS FHIR services with the sandbox server (imported by server.ts and the CLI).
import { registerRoutes } from './http/modules';
import { prepareRoutes } from './eps/prepare';
import { processMessageRoutes } from './eps/process-message';
import { releaseRoutes } from './eps/release';
import { taskRoutes } from './eps/task';
import { trackerRoutes } from './eps/tracker';
import { convertRoutes } from './eps/convert';

registerRoutes(prepareRoutes);
registerRoutes(processMessageRoutes);
registerRoutes(releaseRoutes);
registerRoutes(taskRoutes);
registerRoutes(trackerRoutes);
registerRoutes(convertRoutes);
