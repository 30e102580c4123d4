// The one list of commands. Every surface (IPC, HTTP + OpenAPI, CLI) is generated from it.
import { Registry, type AnyCommand } from './registry';
import { readerCommands } from './readers';
import { apiKeyCommands } from './api-keys';
import { auditCommands } from './audit';
import { cardCommands } from './card';
import { pkcs11Commands } from './pkcs11';
import { diagnosticsCommands } from './diagnostics';
import { sessionCommands } from './session';
import { prescriptionCommands } from './prescription';
import { prescriberCommands } from './prescriber';
import { medicineCommands } from './medicines';
import { patientCommands } from './patients';
import { environmentCommands } from './environments';
import { dispensingCommands } from './dispensing';
import { assuranceCommands } from './assurance';

/** The groups of commands: the one list every surface and the renderer's command types (command-map.ts) come from. */
export const commandGroups = [
  readerCommands,
  apiKeyCommands,
  auditCommands,
  cardCommands,
  pkcs11Commands,
  diagnosticsCommands,
  sessionCommands,
  prescriptionCommands,
  prescriberCommands,
  medicineCommands,
  patientCommands,
  environmentCommands,
  dispensingCommands,
  assuranceCommands,
] as const;

// Each definition keeps its own input/output types; the registry holds them as AnyCommand.
export const allCommands: readonly AnyCommand[] = commandGroups.flat() as unknown as readonly AnyCommand[];

export function createRegistry(): Registry {
  return new Registry(allCommands);
}
