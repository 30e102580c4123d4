import { ErrorText, describedBy } from './forms';
import { useAutoFocus } from '../hooks/useAutoFocus';

/**
 * The card passcode for signing: never kept after the request, never shown. On a reader with a
 * keypad (`pinPad`) the person types it there when the reader asks, so no field is shown; `id`
 * then names the note, where a problem with the passcode is shown and the error summary links.
 */
export function PasscodeField({
  id,
  value,
  onChange,
  error,
  pinPad = false,
  autoFocus = false,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  error: string | null;
  pinPad?: boolean;
  autoFocus?: boolean;
}) {
  const input = useAutoFocus<HTMLInputElement>(autoFocus && !pinPad, undefined, { unlessMoved: true });
  if (pinPad) {
    return (
      <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
        <div
          className="nhsuk-inset-text nhsuk-u-margin-top-0"
          id={id}
          tabIndex={-1}
          data-testid="pin-pad-sign"
          aria-describedby={error ? `${id}-error` : undefined}
        >
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>
            Your card reader has a keypad. When you sign, type your card passcode on the reader when it asks. Scrip
            never sees it.
          </p>
        </div>
        <ErrorText id={`${id}-error`} text={error} />
      </div>
    );
  }
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <label className="nhsuk-label nhsuk-label--s" htmlFor={id}>
        Card passcode
      </label>
      <div className="nhsuk-hint" id={`${id}-hint`}>
        Your card asks for its passcode each time it signs. It goes to the card only; Scrip does not keep it.
      </div>
      <ErrorText id={`${id}-error`} text={error} />
      <input
        ref={input}
        data-autofocus={autoFocus ? '' : undefined}
        className={`nhsuk-input nhsuk-input--width-10${error ? ' nhsuk-input--error' : ''}`}
        id={id}
        type="password"
        inputMode="numeric"
        autoComplete="off"
        value={value}
        onChange={(e) => onChange(e.target.value.trim())}
        aria-describedby={describedBy(`${id}-hint`, error && `${id}-error`)}
      />
    </div>
  );
}

export const PASSCODE_FORMAT = /^[0-9]{6,8}$/;
