import { useEffect, useRef } from 'react';

/**
 * Focus for the field a page is for (the pad's NHS number, medicine search, dose, passcode): put on
 * it when it appears, or when `key` changes. The element must carry `data-autofocus` so the layout,
 * which focuses the page heading on navigation, leaves it there.
 *
 * `unlessMoved`: for a field whose page may show before what enables it has loaded (the passcode
 * waits for the session). Arriving late, it takes focus only from the page itself or its heading,
 * never from a control the person has already moved to (Enter meant for a link must not sign).
 */
export function useAutoFocus<T extends HTMLElement>(
  when: boolean = true,
  key?: unknown,
  opts: { unlessMoved?: boolean } = {},
) {
  const ref = useRef<T>(null);
  const { unlessMoved = false } = opts;
  useEffect(() => {
    if (!when) return;
    const active = document.activeElement;
    const moved =
      unlessMoved && active !== null && active !== document.body && active !== ref.current && active.tagName !== 'H1';
    if (!moved) ref.current?.focus();
  }, [when, key, unlessMoved]);
  return ref;
}
