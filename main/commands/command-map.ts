// Every command's name → what it takes and what it answers, as the zod schemas say (`z.input` of
// the input: defaults may be left out; `z.output` of the output: what arrives on the wire). The
// renderer's transport is typed by it, so a field removed from an output schema fails the build of
// every screen that reads it. Types only: the renderer imports nothing of main/ at run time.
import type { z } from 'zod';
import type { readerCommands } from './readers';
import type { apiKeyCommands } from './api-keys';
import type { auditCommands } from './audit';
import type { cardCommands } from './card';
import type { pkcs11Commands } from './pkcs11';
import type { diagnosticsCommands } from './diagnostics';
import type { sessionCommands } from './session';
import type { prescriptionCommands } from './prescription';
import type { prescriberCommands } from './prescriber';
import type { medicineCommands } from './medicines';
import type { patientCommands } from './patients';
import type { environmentCommands } from './environments';
import type { dispensingCommands } from './dispensing';
import type { assuranceCommands } from './assurance';

type Definition = (typeof readerCommands | typeof apiKeyCommands | typeof auditCommands | typeof cardCommands | typeof pkcs11Commands
  | typeof diagnosticsCommands | typeof sessionCommands | typeof prescriptionCommands | typeof prescriberCommands | typeof medicineCommands
  | typeof patientCommands | typeof environmentCommands | typeof dispensingCommands | typeof assuranceCommands)[number];

export type CommandMap = { [D in Definition as D['name']]: { input: z.input<D['input']>; output: z.output<D['output']> } };
export type CommandName = keyof CommandMap;
export type CommandInput<N extends CommandName> = CommandMap[N]['input'];
export type CommandOutput<N extends CommandName> = CommandMap[N]['output'];
