// Hash routes, so the app needs no server routes (app:// and loopback alike).
export interface Route {
  path: string;
  label: string;
  title: string;
}

export const routes: Route[] = [
  { path: '', label: 'Home', title: 'Card readers' },
  { path: 'prescribe', label: 'Prescribe', title: 'Prescribe' },
  { path: 'prescriptions', label: 'Prescriptions', title: 'Prescriptions' },
  { path: 'dispense', label: 'Dispense', title: 'Dispense' },
  { path: 'assurance', label: 'Assurance', title: 'Assurance' },
  { path: 'api-keys', label: 'API keys', title: 'API keys' },
  { path: 'diagnostics', label: 'Diagnostics', title: 'Diagnostics' },
  { path: 'settings', label: 'Settings', title: 'Settings' },
];

export function currentPath(hash: string): string {
  const p = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return routes.some((r) => r.path === p) ? p : '';
}
