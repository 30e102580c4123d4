// Where in the prescription pad a hash points. The app's router (routes.ts) picks the area from the
// first segment; these are the pages inside the Prescribe, Prescriptions and Settings areas.
export type PadPage = 'patient' | 'patient-search' | 'confirm' | 'treatment' | 'items' | 'item' | 'review' | 'sent';
const padPages: PadPage[] = ['patient', 'patient-search', 'confirm', 'treatment', 'items', 'item', 'review', 'sent'];

export type PadRoute = { page: 'start' } | { page: PadPage; id: string; lineId?: string };
export type ListRoute = { page: 'list' } | { page: 'detail' | 'cancel'; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function segments(hash: string): string[] {
  return hash.replace(/^#\/?/, '').split('?')[0]!.split('/').filter(Boolean);
}

export function padRoute(hash: string): PadRoute {
  const [area, id, page, lineId] = segments(hash);
  if (area !== 'prescribe' || !id || !UUID.test(id)) return { page: 'start' };
  const p = padPages.find((x) => x === page) ?? 'items';
  if (p === 'item')
    return lineId && (lineId === 'new' || UUID.test(lineId)) ? { page: p, id, lineId } : { page: 'items', id };
  return { page: p, id };
}

export function listRoute(hash: string): ListRoute {
  const [area, id, page] = segments(hash);
  if (area !== 'prescriptions' || !id || !UUID.test(id)) return { page: 'list' };
  return { page: page === 'cancel' ? 'cancel' : 'detail', id };
}

export const padHref = (id: string, page: PadPage, lineId?: string): string =>
  `#/prescribe/${id}/${page}${lineId ? `/${lineId}` : ''}`;
export const detailHref = (id: string, page?: 'cancel'): string => `#/prescriptions/${id}${page ? `/${page}` : ''}`;

export type SettingsRoute = { page: 'environments' } | { page: 'prescriber'; back: string | null };

/** `#/settings/prescriber?back=<draft id>`: the prescriber details page, with the way back to a draft's review. */
export function settingsRoute(hash: string): SettingsRoute {
  const [area, page] = segments(hash);
  if (area !== 'settings' || page !== 'prescriber') return { page: 'environments' };
  const back = new URLSearchParams(hash.split('?')[1] ?? '').get('back');
  return { page: 'prescriber', back: back && UUID.test(back) ? back : null };
}

export const prescriberHref = (backToDraft?: string): string =>
  `#/settings/prescriber${backToDraft ? `?back=${backToDraft}` : ''}`;
