// The few browser globals the specs touch inside page.evaluate (the test tsconfig has no DOM lib).
declare const sessionStorage: { getItem(key: string): string | null; readonly length: number };
declare const document: { readonly activeElement: unknown };
