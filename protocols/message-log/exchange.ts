// One exchange of the sandbox's message log, as `GET /_log` answers it (sandbox/log/message-log.ts
// writes it; the assurance runner reads it for evidence). Declared once: both sides import it.

export interface LoggedExchange {
  seq: number;
  at: string;
  method: string;
  path: string;
  status: number;
  requestId: string | null;
  request: string;
  response: string;
  ms: number;
}
