// Reading FHIR JSON that may hold anything (a request body, another system's answer) without
// throwing: the few accessors every EPS reader and builder shares. Pure.

export type Json = Record<string, unknown>;

/**
 * An array's items, without null and undefined (never valid FHIR array items), so reading
 * `item.field` cannot throw; anything that is not an array reads as none. The array itself is
 * returned when it has no such items (these are called on every field of every request).
 */
export function arr(v: unknown): Json[] {
  if (!Array.isArray(v)) return [];
  return (v.includes(null) || v.includes(undefined) ? v.filter((x) => x !== null && x !== undefined) : v) as Json[];
}

/** An object (not an array), else an empty one. */
export function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

/** A non-empty string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
