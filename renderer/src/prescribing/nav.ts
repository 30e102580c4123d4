// The pages inside the areas of the route table (routes.ts): where in the prescription pad, the
// prescriptions list, Settings and Dispense a hash points, and the links to them. The app's router
// picks the area from the first segment; every link here is made by the table's `href`.
import { href, segments, type Href } from '../routes';

type PadPage = 'patient' | 'patient-search' | 'confirm' | 'treatment' | 'items' | 'item' | 'review' | 'sent';
const padPages: PadPage[] = ['patient', 'patient-search', 'confirm', 'treatment', 'items', 'item', 'review', 'sent'];

type PadRoute = { page: 'start' } | { page: PadPage; id: string; lineId?: string };
type ListRoute = { page: 'list' } | { page: 'detail' | 'cancel'; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

export const padHref = (id: string, page: PadPage, lineId?: string): Href =>
  href('prescribe', id, page, ...(lineId ? [lineId] : []));
export const detailHref = (id: string, page?: 'cancel'): Href => href('prescriptions', id, ...(page ? [page] : []));

type SettingsRoute = { page: 'environments' } | { page: 'prescriber'; back: string | null };

/** `#/settings/prescriber?back=<draft id>`: the prescriber details page, with the way back to a draft's review. */
export function settingsRoute(hash: string): SettingsRoute {
  const [area, page] = segments(hash);
  if (area !== 'settings' || page !== 'prescriber') return { page: 'environments' };
  const back = new URLSearchParams(hash.split('?')[1] ?? '').get('back');
  return { page: 'prescriber', back: back && UUID.test(back) ? back : null };
}

export const prescriberHref = (backToDraft?: string): Href =>
  backToDraft ? `${href('settings')}/prescriber?back=${backToDraft}` : href('settings', 'prescriber');

type DispenseRoute = { page: 'list' | 'check' } | { page: 'detail'; id: string };

/** `#/dispense`, `#/dispense/check` (check a signature) or `#/dispense/<id>` (one released prescription). */
export function dispenseRoute(hash: string): DispenseRoute {
  const [area, id] = segments(hash);
  if (area === 'dispense' && id === 'check') return { page: 'check' };
  return area === 'dispense' && id && UUID.test(id) ? { page: 'detail', id } : { page: 'list' };
}

export const dispenseHref = (id?: string): Href => href('dispense', ...(id ? [id] : []));
export const checkSignatureHref: Href = href('dispense', 'check');
