import { useEffect, useId, useState, type FormEvent } from 'react';
import { asCommandError, type CommandError, type CommandOutput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { useSession, type SessionView } from '../hooks/useSession';
import { ErrorSummary } from './ErrorSummary';
import { RolePicker } from './RolePicker';
import { CardChoice } from './CardChoice';
import { dayWords } from '../dates';
import { useFormState } from '../hooks/useFormState';

type CardStatus = CommandOutput<'card.status'>;

/** Tries left in words: a PKCS#11 token tells only "low", "final try" or "locked", not a count. */
function triesWords(pin: CardStatus['pin']): string {
  if (pin.blocked) return 'None: the card is locked';
  if (pin.source !== 'token-flags') return `${pin.retriesLeft} of ${pin.maxRetries}`;
  return pin.retriesLeft <= 1
    ? 'One: the next wrong passcode locks the card'
    : pin.retriesLeft < pin.maxRetries
      ? 'Running low (the card does not say how many)'
      : 'No wrong tries recorded';
}

const PIN_FORMAT = /^[0-9]{6,8}$/;

/** Card in → who it belongs to and tries left, before any passcode is typed → passcode → role. */
export function LoginPanel() {
  const transport = useTransport();
  const { value: session } = useSession();
  const [card, setCard] = useState<CardStatus | null>(null);
  const [cardError, setCardError] = useState<CommandError | null>(null);
  const [pin, setPin] = useState('');
  const form = useFormState();
  const pinId = useId();
  const formatError = form.problemFor(pinId);

  const state = session?.state;
  useEffect(() => {
    if (state !== 'card-present' && state !== 'ended') {
      setCard(null);
      return;
    }
    const reader = session?.reader;
    transport.invoke('card.status', reader ? { reader } : {}).then(
      (c) => {
        setCard(c);
        setCardError(null);
      },
      (e: unknown) => setCardError(asCommandError(e)),
    );
  }, [transport, state, session?.reader]);

  if (!session) return null;
  if (state === 'no-card') return <p data-testid="login-hint">Insert your smartcard to log in.</p>;
  if (state === 'authenticated' || state === 'role-selected') return <SessionSummary session={session} />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    // Check the format here, so a mistyped length never costs one of the card's tries. A PIN-pad
    // reader takes the passcode itself: nothing is typed here.
    const mistyped = !card?.pin.pinPad && !PIN_FORMAT.test(pin);
    if (!form.check(mistyped ? [{ text: 'Enter your passcode: 6 to 8 digits.', field: pinId }] : [])) return;
    const ok = await form.run(() => transport.invoke('session.login', { pin }));
    // A refused passcode costs a try: read the card again for the tries left (if the card cannot be
    // read now, the tries shown are the last read; the login's own error is already on the page).
    if (!ok)
      transport.invoke('card.status', session?.reader ? { reader: session.reader } : {}).then(setCard, () => undefined);
    setPin('');
  }

  return (
    <section aria-labelledby="login-heading">
      <h2 id="login-heading">Log in with your smartcard</h2>
      {session.cards.length > 1 ? <CardChoice cards={session.cards} chosen={session.reader} /> : null}
      {cardError ? <ErrorSummary error={cardError} title="The card could not be read" /> : null}
      {card ? (
        <dl className="nhsuk-summary-list" data-testid="card-holder">
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Card holder</dt>
            <dd className="nhsuk-summary-list__value">{card.holder.displayName ?? 'Not on the card'}</dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">User ID</dt>
            <dd className="nhsuk-summary-list__value">{card.holder.userId}</dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Certificate expires</dt>
            <dd className="nhsuk-summary-list__value">{dayWords(card.certificateExpiry)}</dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Passcode tries left</dt>
            <dd className="nhsuk-summary-list__value" data-testid="pin-retries">
              {triesWords(card.pin)}
            </dd>
          </div>
        </dl>
      ) : null}
      {form.error ? (
        <ErrorSummary
          error={form.error}
          title={form.error.body.code === 'pin-wrong' ? 'Wrong passcode' : 'You could not be logged in'}
        />
      ) : null}
      {session.browserLogin ? (
        <div className="nhsuk-inset-text" role="status" data-testid="browser-login">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            Finish logging in in your web browser: Scrip opened the login page there and is waiting for it. To stop,
            take your card out.
          </p>
        </div>
      ) : null}
      {card?.pin.blocked ? null : card?.pin.pinPad ? (
        <form onSubmit={submit} noValidate>
          <p className="nhsuk-body" data-testid="pin-pad-hint">
            Select Log in, then type your passcode on the card reader's keypad.
          </p>
          <button className="nhsuk-button" type="submit" disabled={form.busy}>
            {form.busy ? 'Type your passcode on the reader…' : 'Log in'}
          </button>
        </form>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className={`nhsuk-form-group${formatError ? ' nhsuk-form-group--error' : ''}`}>
            <label className="nhsuk-label" htmlFor={pinId}>
              Passcode
            </label>
            <div className="nhsuk-hint" id={`${pinId}-hint`}>
              6 to 8 digits. The card locks after {card?.pin.maxRetries ?? 3} wrong tries.
            </div>
            {formatError ? (
              <span className="nhsuk-error-message" id={`${pinId}-error`}>
                <span className="nhsuk-u-visually-hidden">Error:</span> {formatError}
              </span>
            ) : null}
            <input
              className={`nhsuk-input nhsuk-input--width-10${formatError ? ' nhsuk-input--error' : ''}`}
              id={pinId}
              name="pin"
              type="password"
              inputMode="numeric"
              autoComplete="off"
              value={pin}
              onChange={(e) => setPin(e.target.value.trim())}
              aria-describedby={`${pinId}-hint${formatError ? ` ${pinId}-error` : ''}`}
            />
          </div>
          <button className="nhsuk-button" type="submit" disabled={form.busy}>
            {form.busy ? (session.browserLogin ? 'Waiting for your web browser…' : 'Logging in…') : 'Log in'}
          </button>
        </form>
      )}
    </section>
  );
}

function SessionSummary({ session }: { session: SessionView }) {
  const transport = useTransport();
  const [error, setError] = useState<CommandError | null>(null);
  return (
    <section aria-labelledby="session-heading">
      <h2 id="session-heading">Logged in as {session.user?.name}</h2>
      {error ? <ErrorSummary error={error} /> : null}
      <RolePicker session={session} onError={setError} />
      <button
        className="nhsuk-button nhsuk-button--secondary"
        type="button"
        onClick={() => {
          transport.invoke('session.logout').catch((e: unknown) => setError(asCommandError(e)));
        }}
      >
        Log out
      </button>
    </section>
  );
}
