// Whether the card in use takes its passcode on the reader's keypad (a PKCS#11 token with a
// protected authentication path): then signing asks for nothing in Scrip.
import { useEffect, useState } from 'react';
import { useTransport } from './transport-context';
import { useSession } from './useSession';

export function useCardPinPad(): boolean {
  const transport = useTransport();
  const { value: session } = useSession();
  const [pinPad, setPinPad] = useState(false);
  const state = session?.state;
  useEffect(() => {
    if (state !== 'role-selected' && state !== 'authenticated') {
      setPinPad(false);
      return;
    }
    let live = true;
    transport.invoke('card.status').then(
      (c) => {
        if (live) setPinPad(c.pin.pinPad === true);
      },
      () => {
        if (live) setPinPad(false);
      },
    );
    return () => {
      live = false;
    };
  }, [transport, state, session?.reader]);
  return pinPad;
}
