import { createContext, useContext, useEffect } from 'react';
import type { Href } from '../routes';

export interface PageHeading {
  heading: string;
  back?: { href: Href; text: string };
}

/** Lets a page inside an area name itself in the one h1 (e.g. "Find the patient" under Prescribe), with its back link above it. */
export const PageHeadingContext = createContext<(h: PageHeading | null) => void>(() => undefined);

export function usePageHeading(heading: string, back?: { href: Href; text: string }): void {
  const set = useContext(PageHeadingContext);
  const href = back?.href,
    text = back?.text;
  useEffect(() => {
    set({ heading, ...(href && text ? { back: { href, text } } : {}) });
  }, [set, heading, href, text]);
  useEffect(() => () => set(null), [set]);
}
