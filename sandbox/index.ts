// Public API of the Spine-style sandbox, for the app (main/embedded.ts), tests and benchmarks.
export { startSandbox, type SandboxOptions, type RunningSandbox } from './server';
export type { SandboxContext, RouteModule, Caller, AuthoriseOptions } from './http/context';
export { isRefusal } from './http/context';
export { Router, HttpError, json, type Route, type SandboxRequest, type SandboxResponse } from './http/router';
export { runSandboxCli, defaultSandboxDir } from './cli';
export { systemClock, fixedClock, type Clock } from './clock';
export {
  DirectoryStore,
  seedDirectory,
  PRESCRIBING_ACTIVITIES,
  DISPENSING_ACTIVITIES,
  type Directory,
  type DirectoryUser,
  type DirectoryRole,
  type DirectoryOrganisation,
} from './directory/directory';
export { SandboxBroker, BrokerError, type BrokerFailure } from './broker/broker';
export { operationOutcome, toFhirPatient } from './pds/pds';
export { sandboxPatients, type SandboxPatient } from './pds/patients';
export { MessageLog, redact, type LoggedExchange } from './log/message-log';
export { openSandboxDb, migrateSandbox, type SandboxDb } from './store/db';
