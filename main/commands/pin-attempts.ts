// Every PIN attempt that arrives through a command is audited (never the PIN), and a program may
// not spend the card's last try: three wrong guesses through the API would lock the user's card,
// so with one try left only Scrip's own window (a person typing) may attempt it.
import { ScripError, toScripError } from '../errors';
import type { CommandContext } from './registry';

export async function pinAttempt<T>(
  ctx: CommandContext,
  command: string,
  reader: string | undefined,
  attempt: () => Promise<T>,
): Promise<T> {
  const { audit, cards } = ctx.services;
  if (ctx.caller.kind === 'api') {
    const pin = await cards.pinInfo(reader);
    if (pin.blocked) throw new ScripError('pin-blocked');
    if (pin.retriesLeft <= 1) {
      audit.append(ctx.caller.label, 'card.pin-attempt', {
        command,
        reader: reader ?? null,
        outcome: 'refused-last-try',
        retriesLeft: pin.retriesLeft,
      });
      throw new ScripError(
        'bad-state',
        'Only one passcode try is left on the card, and programs may not use it.',
        { retriesLeft: pin.retriesLeft },
        "Type the passcode in Scrip's own window, where a wrong one cannot be repeated by a program; or unlock the card with its PUK.",
      );
    }
  }
  try {
    const result = await attempt();
    audit.append(ctx.caller.label, 'card.pin-attempt', { command, reader: reader ?? null, outcome: 'ok' });
    return result;
  } catch (e) {
    const err = toScripError(e);
    if (['pin-wrong', 'pin-blocked', 'pin-format'].includes(err.code)) {
      audit.append(ctx.caller.label, 'card.pin-attempt', {
        command,
        reader: reader ?? null,
        outcome: err.code,
        retriesLeft: err.details?.retriesLeft ?? null,
      });
    }
    throw e;
  }
}
