// What commands can reach. The composition root (main/app.ts) builds one of these;
// each capability adds its service here.
import type { EventBus } from './events';
import type { ReaderService } from './card/reader-service';
import type { CardService } from './card/card-service';
import type { Pkcs11Settings } from './card/pkcs11-settings';
import type { IdentityService } from './identity/identity-service';
import type { ApiKeyStore } from './api/api-keys';
import type { AuditLog } from './store/audit';
import type { Preferences } from './store/preferences';
import type { TicketApprovals } from './identity/ticket-approvals';
import type { AppConfig } from './config';
import type { MedicinesService } from './prescribing/medicines';
import type { PrescribingService } from './prescribing/prescribing-service';
import type { CancellationService } from './prescribing/cancellation-service';
import type { TrackingService } from './prescribing/tracking-service';
import type { PrescriptionStore } from './prescribing/store';
import type { PdsClient } from './prescribing/pds-client';
import type { EnvironmentService } from './environments/environment-service';
import type { DispensingService } from './dispensing/dispensing-service';
import type { AssureOptions, AssureSummary } from './assurance/options';

/** A check the diagnostics report runs (card certificates, service reachability …): one line per finding. */
export type DiagnosticCheck = (services: Services) => Promise<Array<{ name: string; ok: boolean; detail: string }>>;

export interface Services {
  config: AppConfig;
  events: EventBus;
  readers: ReaderService;
  cards: CardService;
  /** PKCS#11 modules: the user's and the administrator's choice, their slots and tokens. */
  pkcs11: Pkcs11Settings;
  identity: IdentityService;
  apiKeys: ApiKeyStore;
  /** The environments (sandbox, configured ones) and the one the next session uses. */
  environments: EnvironmentService;
  audit: AuditLog;
  preferences: Preferences;
  /** Programs the user allowed to take their session (Ticket API), per API key. */
  ticketApprovals: TicketApprovals;
  diagnosticChecks: DiagnosticCheck[];
  medicines: MedicinesService;
  prescribing: PrescribingService;
  /** Cancelling sent prescriptions at EPS, item by item. */
  cancellation: CancellationService;
  /** The EPS tracker: on demand, and every few minutes for the user's sent prescriptions. */
  tracking: TrackingService;
  prescriptions: PrescriptionStore;
  /** The patient index of the current environment. */
  patients: () => PdsClient;
  /** The logged-in user's token and selected role, or bad-state. */
  sessionAuth: () => { token: string; roleProfileId: string };
  /** The pharmacy side: release, verify, dispense, return (main/dispensing). */
  dispensing: DispensingService;
  /** Assurance runs against the embedded sandbox (set by main/runtime.ts when there is one). */
  assurance?: { run(opts: AssureOptions): Promise<AssureSummary> };
}
