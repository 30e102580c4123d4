// Registers the EPS FHIR services with the sandbox server (imported by server.ts and the CLI).
import { registerRoutes } from './http/modules';
import { prepareRoutes } from './eps/prepare';
import { processMessageRoutes } from './eps/process-message';

registerRoutes(prepareRoutes);
registerRoutes(processMessageRoutes);
