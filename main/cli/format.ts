// Human-readable output for the CLI: indented "key: value" lines, tables for lists of flat objects.
export function formatHuman(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return `${indent}-`;
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}(none)`;
    if (
      value.every(
        (v) =>
          v &&
          typeof v === 'object' &&
          !Array.isArray(v) &&
          Object.values(v).every((x) => x === null || typeof x !== 'object'),
      )
    ) {
      return table(value as Array<Record<string, unknown>>, indent);
    }
    return value.map((v) => `${indent}- ${formatHuman(v, indent + '  ').trimStart()}`).join('\n');
  }
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => {
        if (v && typeof v === 'object') return `${indent}${k}:\n${formatHuman(v, indent + '  ')}`;
        return `${indent}${k}: ${v === null || v === undefined ? '-' : String(v)}`;
      })
      .join('\n');
  }
  return `${indent}${String(value)}`;
}

function table(rows: Array<Record<string, unknown>>, indent: string): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    indent +
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}
