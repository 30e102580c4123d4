// The sandbox operator's routes: its status, the message log, the test CA's CRLs and the fixed
// clock's advance. Not Spine's: what a supplier's tests and CI use to drive and read the sandbox.
import { isRefusal, type RouteModule } from '../http/context';
import { HttpError, json, readJson } from '../http/router';
import { ClockRangeError } from '../clock';
import { PAGE_LIMITS } from '../log/message-log';

export const operatorRoutes: RouteModule = (ctx) => [
  {
    method: 'GET',
    path: '/_status',
    handle: () =>
      json(200, {
        name: 'scrip-sandbox',
        baseUrl: ctx.baseUrl(),
        clock: ctx.clock.now().toISOString(),
        fixedClock: ctx.clock.fixed,
        logFailures: ctx.logFailures(),
        // EPS's signature checks and digests: worker threads configured and up, and where jobs ran.
        epsChecks: ctx.messageChecks.counts(),
      }),
  },
  {
    method: 'GET',
    path: '/_log',
    handle: (req) => {
      // Other people's traffic: a live session or the admin secret (admin-secret.ts).
      if (!ctx.isAdmin(String(req.headers.authorization ?? ''))) {
        const a = ctx.authorise(req);
        if (isRefusal(a)) return a;
      }
      const since = req.query.get('since') ?? '0',
        limit = req.query.get('limit') ?? String(PAGE_LIMITS.exchanges);
      if (!/^\d{1,15}$/.test(since)) throw new HttpError(400, 'since takes a sequence number (0 or more)');
      if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > PAGE_LIMITS.exchanges)
        throw new HttpError(400, `limit takes a number of exchanges from 1 to ${PAGE_LIMITS.exchanges}`);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: ctx.log.page(Number(since), Number(limit)).json,
      };
    },
  },
  {
    method: 'GET',
    path: '/crl/{kind}',
    handle: (req) => {
      const kind = (req.params.kind ?? '').replace(/\.crl$/, '');
      if (kind !== 'root' && kind !== 'auth' && kind !== 'sign') throw new HttpError(404, 'no such CRL');
      return { status: 200, headers: { 'content-type': 'application/pkix-crl' }, body: ctx.ca.crlDer(kind) };
    },
  },
  {
    method: 'POST',
    path: '/_clock',
    handle: (req) => {
      const clock = ctx.clock;
      if (!clock.fixed) throw new HttpError(409, 'the clock is not fixed (start with --clock)');
      const body = (req.body.length ? readJson(req) : {}) as { advanceSeconds?: unknown } | null;
      // Bounded, so the clock can never be pushed past what a Date can hold.
      if (
        typeof body?.advanceSeconds !== 'number' ||
        !(body.advanceSeconds >= 0 && body.advanceSeconds <= 100 * 365 * 86_400)
      )
        throw new HttpError(400, 'advanceSeconds must be a number of seconds from 0 to 100 years');
      // In total too: the clock never passes CLOCK_RANGE.latest (a Date past it breaks every route).
      try {
        clock.advance(body.advanceSeconds * 1000);
      } catch (e) {
        if (e instanceof ClockRangeError) throw new HttpError(400, `${e.message}; nothing was changed`);
        throw e;
      }
      return json(200, { clock: clock.now().toISOString() });
    },
  },
];
