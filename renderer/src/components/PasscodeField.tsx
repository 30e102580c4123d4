import { ErrorText, describedBy } from './forms';
import { useAutoFocus } from '../hooks/useAutoFocus';

/** The card passcode for signing: never kept after the request, never shown. */
export function PasscodeField({ id, value, onChange, error, autoFocus = false }: { id: string; value: string; onChange: (v: string) => void; error: string | null; autoFocus?: boolean }) {
  const input = useAutoFocus<HTMLInputElement>(autoFocus);
  return (
    <div className={`nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}`}>
      <label className="nhsuk-label nhsuk-label--s" htmlFor={id}>Card passcode</label>
      <div className="nhsuk-hint" id={`${id}-hint`}>Your card asks for its passcode each time it signs. It goes to the card only; Scrip does not keep it.</div>
      <ErrorText id={`${id}-error`} text={error} />
      <input ref={input} data-autofocus={autoFocus ? '' : undefined} className={`nhsuk-input nhsuk-input--width-10${error ? ' nhsuk-input--error' : ''}`} id={id} type="password" inputMode="numeric" autoComplete="off"
        value={value} onChange={(e) => onChange(e.target.value.trim())} aria-describedby={describedBy(`${id}-hint`, error && `${id}-error`)} />
    </div>
  );
}

export const PASSCODE_FORMAT = /^[0-9]{6,8}$/;
