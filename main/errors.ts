// One union of failures for every surface. The HTTP status, the CLI exit code and the UI message
// all come from here, so a person and a program are told the same thing (Web eID's RetriableError
// and AusweisApp's BAD_STATE are the models).
import { log, newIncidentId } from './log';

export const errorCatalogue = {
  'invalid-input': {
    status: 400,
    exit: 2,
    retriable: false,
    message: 'The request was not valid.',
    action: 'Correct the highlighted fields and try again.',
  },
  unauthenticated: {
    status: 401,
    exit: 3,
    retriable: false,
    message: 'No valid API key was given.',
    action: 'Send an API key as "Authorization: Bearer <key>"; create one with "scrip api-key create --name NAME".',
  },
  'tab-locked': {
    status: 401,
    exit: 3,
    retriable: false,
    message: 'This browser tab was locked when the card session ended.',
    action:
      'Insert your card and log in with your passcode in this tab to unlock it; until then it shows only the readers and the session.',
  },
  forbidden: {
    status: 403,
    exit: 3,
    retriable: false,
    message: 'This key or origin may not do that.',
    action: 'Ask the user to issue a key with the needed scope.',
  },
  'not-found': {
    status: 404,
    exit: 4,
    retriable: false,
    message: 'Nothing was found.',
    action: 'Check the identifier.',
  },
  'bad-state': {
    status: 409,
    exit: 5,
    retriable: false,
    message: 'That cannot be done now.',
    action: 'Finish or cancel what is in progress first.',
  },
  conflict: {
    status: 409,
    exit: 5,
    retriable: false,
    message: 'That conflicts with what is already there.',
    action: 'Reload and try again.',
  },
  'too-large': {
    status: 413,
    exit: 2,
    retriable: false,
    message: 'The request was too large.',
    action: 'Send less data.',
  },
  'no-service': {
    status: 503,
    exit: 10,
    retriable: true,
    message: 'The smartcard service (pcscd) is not running.',
    action: 'Start pcscd (sudo systemctl start pcscd) and try again; Scrip reconnects by itself.',
  },
  'no-readers': {
    status: 503,
    exit: 11,
    retriable: true,
    message: 'No card reader is connected.',
    action: 'Connect a card reader.',
  },
  'no-card': {
    status: 409,
    exit: 12,
    retriable: true,
    message: 'There is no card in the reader.',
    action: 'Insert your smartcard.',
  },
  'card-removed': {
    status: 409,
    exit: 13,
    retriable: true,
    message: 'The card was removed.',
    action: 'Insert the card again and repeat the action.',
  },
  'card-busy': {
    status: 409,
    exit: 14,
    retriable: true,
    message: 'Another program is using the card.',
    action: 'Close the other program, or wait, and try again.',
  },
  'unsupported-card': {
    status: 422,
    exit: 15,
    retriable: false,
    message: 'This card is not supported.',
    action: 'Use an NHS smartcard or the Scrip virtual test card.',
  },
  'card-error': {
    status: 502,
    exit: 16,
    retriable: true,
    message: 'The card did not answer as expected.',
    action: 'Take the card out, put it back and try again.',
  },
  'pin-wrong': {
    status: 401,
    exit: 17,
    retriable: true,
    message: 'The passcode was wrong.',
    action: 'Check the passcode and try again; the card locks after too many wrong tries.',
  },
  'pin-blocked': {
    status: 423,
    exit: 18,
    retriable: false,
    message: 'The card is locked after too many wrong passcodes.',
    action: 'Unlock it with the PUK, or ask your Registration Authority.',
  },
  'pin-format': {
    status: 400,
    exit: 2,
    retriable: true,
    message: 'A passcode is 6 to 8 digits.',
    action: 'Type the passcode again; no try was used.',
  },
  'service-unreachable': {
    status: 502,
    exit: 20,
    retriable: true,
    message: 'A national service could not be reached.',
    action: 'Check the network; Scrip will retry.',
  },
  'service-error': {
    status: 502,
    exit: 21,
    retriable: false,
    message: 'A national service refused the request.',
    action: "Read the service's answer below.",
  },
  'no-keychain': {
    status: 503,
    exit: 22,
    retriable: false,
    message: 'No OS keychain is available, so secrets cannot be stored safely.',
    action: 'Unlock or install a keychain (Secret Service on Linux); Scrip will not store secrets in plain text.',
  },
  'signature-invalid': {
    status: 409,
    exit: 23,
    retriable: false,
    message: "The prescriber's signature on this prescription is not valid, so it must not be dispensed.",
    action:
      'Do not dispense it; its details stay viewable. Return it with reason 0005 (Invalid digital signature) if it is still with your pharmacy, and ask the prescriber for a new prescription.',
  },
  'with-another-dispenser': {
    status: 409,
    exit: 24,
    retriable: false,
    message: 'This prescription is with another pharmacy.',
    action: 'Ask the patient, or that pharmacy, to have it returned to Spine; then release it again.',
  },
  'wrong-environment': {
    status: 409,
    exit: 40,
    retriable: false,
    message: 'This card does not belong with the environment in use.',
    action:
      'Use a real NHS smartcard with national services, and a Scrip test card with a Scrip sandbox; choose the environment in Settings.',
  },
  internal: {
    status: 500,
    exit: 1,
    retriable: false,
    message: 'Something went wrong inside Scrip.',
    action: 'Try again; if it keeps happening, copy the diagnostics and report it.',
  },
} as const satisfies Record<
  string,
  { status: number; exit: number; retriable: boolean; message: string; action: string }
>;

export type ErrorCode = keyof typeof errorCatalogue;

/** The wire form of an error: what the API returns, the CLI prints and the UI shows. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  action: string;
  retriable: boolean;
  details?: Record<string, unknown>;
}

export class ScripError extends Error {
  readonly code: ErrorCode;
  readonly action: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>, action?: string) {
    // An unexpected failure gets an incident ID the person sees and the log keeps, with the stack.
    const incident = code === 'internal' && typeof details?.incident !== 'string' ? newIncidentId() : null;
    super(
      incident
        ? `${message ?? errorCatalogue[code].message} (incident ${incident})`
        : (message ?? errorCatalogue[code].message),
    );
    this.name = 'ScripError';
    this.code = code;
    this.action =
      action ??
      (incident
        ? `${errorCatalogue[code].action} Quote incident ${incident}: Scrip's log (logs/scrip.log in its data folder) holds the details.`
        : errorCatalogue[code].action);
    this.details = incident ? { ...details, incident } : details;
    if (incident) log().error({ err: this, incident }, 'unexpected error');
  }
  get status(): number {
    return errorCatalogue[this.code].status;
  }
  get exitCode(): number {
    return errorCatalogue[this.code].exit;
  }
  toBody(): ErrorBody {
    const body: ErrorBody = {
      code: this.code,
      message: this.message,
      action: this.action,
      retriable: errorCatalogue[this.code].retriable,
    };
    if (this.details) body.details = this.details;
    return body;
  }
}

/**
 * Anything thrown becomes a ScripError. An unknown failure is `internal`: logged with its own stack
 * under a new incident ID, which the person sees; no stack goes on the wire.
 */
export function toScripError(e: unknown): ScripError {
  if (e instanceof ScripError) return e;
  const incident = newIncidentId();
  log().error({ err: e instanceof Error ? e : { message: String(e) }, incident }, 'unexpected error');
  return new ScripError(
    'internal',
    `${errorCatalogue.internal.message} (incident ${incident})`,
    { incident, ...(e instanceof Error ? { cause: e.message } : {}) },
    `${errorCatalogue.internal.action} Quote incident ${incident}: Scrip's log (logs/scrip.log in its data folder) holds the details.`,
  );
}

export function isErrorBody(v: unknown): v is ErrorBody {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { code?: unknown }).code === 'string' &&
    (v as { code: string }).code in errorCatalogue
  );
}
