// The diagnostics report's checks of the running services: each a function of the services, so the
// composition root only lists them (main/app.ts) and the report runs them (report.ts).
import type { DiagnosticCheck } from '../services';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Can each service of the environment in use be reached over TLS its CA bundle trusts? (environments.check) */
const nationalServices: DiagnosticCheck = async ({ environments }) => {
  try {
    const c = await environments.check();
    return c.services.map((s) => ({ name: `${s.name} (${c.label})`, ok: s.ok, detail: `${s.url}: ${s.detail}` }));
  } catch (e) {
    return [{ name: 'National services', ok: false, detail: message(e) }];
  }
};

/** Each PKCS#11 module: loaded or why not, its tokens, how changes are learnt (pkcs11.report has the mechanisms). */
const pkcs11Modules: DiagnosticCheck = async ({ pkcs11 }) =>
  pkcs11.view().modules.map((m) => ({
    name: `PKCS#11 module ${m.path}`,
    ok: m.loaded,
    detail: m.loaded
      ? `${m.library ?? ''}; ${m.tokens} token${m.tokens === 1 ? '' : 's'}; changes: ${m.events}${m.source === 'managed' ? '; set by the administrator' : ''}`
      : `not loaded: ${m.error ?? 'unknown'}`,
  }));

/** What the card in a reader says about itself (no PIN needed): holder, certificate expiry, tries left. */
const cardsInReaders: DiagnosticCheck = async ({ readers, cards }) => {
  const out = [];
  for (const r of readers.list().readers.filter((x) => x.present)) {
    try {
      const st = await cards.status(r.name);
      const days = Math.floor((new Date(st.certificateExpiry).getTime() - Date.now()) / 86_400_000);
      out.push({
        name: `Card in ${r.name}`,
        ok: days > 0 && !st.pin.blocked,
        detail: `${st.cardType.toUpperCase()} card of user ${st.holder.userId}; certificates valid for ${days} more days; ${st.pin.blocked ? 'PIN locked' : `${st.pin.retriesLeft} PIN tries left`}`,
      });
    } catch (e) {
      out.push({ name: `Card in ${r.name}`, ok: false, detail: message(e) });
    }
  }
  return out;
};

export const serviceChecks: DiagnosticCheck[] = [nationalServices, pkcs11Modules, cardsInReaders];
