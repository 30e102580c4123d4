import { useEffect, useRef } from 'react';

/**
 * Focus for the field a page is for (the pad's NHS number, medicine search, dose, passcode): put on
 * it when it appears, or when `key` changes. The element must carry `data-autofocus` so the layout,
 * which focuses the page heading on navigation, leaves it there.
 */
export function useAutoFocus<T extends HTMLElement>(when: boolean = true, key?: unknown) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (when) ref.current?.focus();
  }, [when, key]);
  return ref;
}
