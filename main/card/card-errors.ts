// PC/SC failures become the app's ScripErrors (main/errors.ts), so the UI, API and CLI say the same.
import { classifyPcscError, PcscError } from '../../native/pcsc/card-errors';
import { ScripError } from '../errors';

export function toCardError(e: unknown): ScripError {
  if (e instanceof ScripError) return e;
  if (!(e instanceof PcscError) && !(e instanceof Error && /PC\/SC|card|reader|handle|Sharing/i.test(e.message))) {
    return new ScripError('internal', undefined, e instanceof Error ? { cause: e.message } : undefined);
  }
  const p = classifyPcscError(e);
  const details = { pcsc: p.message };
  switch (p.kind) {
    case 'no-service':
      return new ScripError('no-service', undefined, details);
    case 'no-readers':
      return new ScripError('no-readers', undefined, details);
    case 'unknown-reader':
      return new ScripError(
        'no-readers',
        'That card reader is not connected.',
        details,
        'Connect the reader or choose another one.',
      );
    case 'no-card':
      return new ScripError('no-card', undefined, details);
    case 'card-removed':
      return new ScripError('card-removed', undefined, details);
    case 'card-busy':
      return new ScripError('card-busy', undefined, details);
    case 'card-error':
      return new ScripError('card-error', undefined, details);
  }
}
