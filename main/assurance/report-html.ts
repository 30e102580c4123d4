// report.html: one self-contained page (NHS design system styles inlined, no scripts, no remote
// content) with the requirement → scenario → step → result matrix and every exchange with the
// service, tokens redacted by the service's log and again here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult, ScenarioResult, Status, StepResult } from './runner';
import { redactSecrets } from './values';

const esc = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
const BODY_LIMIT = 6_000;
const cut = (s: string): string =>
  s.length > BODY_LIMIT
    ? `${s.slice(0, BODY_LIMIT)}\n… (${s.length} characters; the whole exchange is in messages.jsonl)`
    : s;

/** nhsuk-frontend's stylesheet, found by walking up from this module to node_modules. */
function nhsukCss(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const f = join(dir, 'node_modules', 'nhsuk-frontend', 'dist', 'nhsuk', 'nhsuk-frontend.min.css');
    if (existsSync(f)) return readFileSync(f, 'utf8').replace(/url\((?!["']?data:)[^)]*\)/g, 'none');
    dir = dirname(dir);
  }
  return '';
}

const tag = (s: Status): string => {
  const colour = s === 'passed' ? 'green' : s === 'failed' ? 'red' : 'grey';
  return `<strong class="nhsuk-tag nhsuk-tag--${colour}">${s}</strong>`;
};

const anchor = (id: string): string => `scenario-${id.toLowerCase()}`;

/** The step's screenshot shown in the page (a data: URI: the report stays one self-contained file), or why there is none. */
function shot(sc: ScenarioResult, st: StepResult, images: ReadonlyMap<string, Buffer>): string {
  const s = st.screenshot;
  if (!s) return '';
  const png = s.file ? images.get(s.file) : undefined;
  if (!s.file || !png)
    return `<p class="nhsuk-body-s"><b>Screenshot "${esc(s.name)}"</b>: ${esc(s.note ?? 'not taken')}</p>`;
  const alt = `Scrip's ${s.page} page after step ${st.index} of ${sc.id} (${s.name})`;
  return `<figure class="nhsuk-u-margin-top-2"><img src="data:image/png;base64,${png.toString('base64')}" alt="${esc(alt)}" style="max-width:100%;border:1px solid #768692"><figcaption class="nhsuk-body-s">Screenshot "${esc(s.name)}": ${esc(s.page)} page, <code>${esc(s.file)}</code></figcaption></figure>`;
}

function stepRows(sc: ScenarioResult, images: ReadonlyMap<string, Buffer>): string {
  return sc.steps
    .map((st: StepResult) => {
      const details: string[] = [];
      if (st.input !== null && st.input !== undefined)
        details.push(
          `<p class="nhsuk-body-s"><b>Input</b></p><pre>${esc(JSON.stringify(redactSecrets(st.input), null, 2))}</pre>`,
        );
      if (st.error)
        details.push(`<p class="nhsuk-body-s"><b>Error</b> ${esc(st.error.code)}: ${esc(st.error.message)}</p>`);
      if (st.result !== null && st.result !== undefined)
        details.push(
          `<p class="nhsuk-body-s"><b>Result</b></p><pre>${esc(cut(JSON.stringify(st.result, null, 2)))}</pre>`,
        );
      for (const x of st.exchanges) {
        details.push(
          `<p class="nhsuk-body-s"><b>Exchange ${x.seq}</b>: ${esc(x.method)} ${esc(x.path)} → ${x.status} in ${x.ms.toFixed(1)} ms${x.requestId ? `, X-Request-ID ${esc(x.requestId)}` : ''} (service time ${esc(x.at)})</p>` +
            `<pre>${esc(cut(String(redactSecrets(x.request))))}</pre><pre>${esc(cut(String(redactSecrets(x.response))))}</pre>`,
        );
      }
      const diff = st.differences.length
        ? `<ul class="nhsuk-list nhsuk-list--bullet">${st.differences.map((d) => `<li>${esc(d)}</li>`).join('')}</ul>`
        : '';
      const more = details.length
        ? `<details class="nhsuk-details"><summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Input, result and ${st.exchanges.length} exchange${st.exchanges.length === 1 ? '' : 's'} of step ${st.index}</span></summary><div class="nhsuk-details__text">${details.join('\n')}</div></details>`
        : '';
      return `<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">${st.index}</td><td class="nhsuk-table__cell">${esc(st.label)}${st.command && st.command !== st.label ? `<br><code>${esc(st.command)}</code>` : ''}${diff}${shot(sc, st, images)}${more}</td><td class="nhsuk-table__cell">${tag(st.status)}</td><td class="nhsuk-table__cell">${st.ms}</td></tr>`;
    })
    .join('\n');
}

export function renderReport(
  run: RunResult,
  opts: { signer: string; screenshots?: ReadonlyMap<string, Buffer> },
): string {
  const t = run.totals;
  const images = opts.screenshots ?? new Map<string, Buffer>();
  const shots = run.scenarios.flatMap((s) => s.steps.flatMap((st) => (st.screenshot ? [st.screenshot] : [])));
  const taken = shots.filter((s) => s.file && images.has(s.file)).length;
  const whyNot = [...new Set(shots.filter((s) => !s.file).map((s) => s.note ?? 'not taken'))];
  const shotsRow = shots.length
    ? `<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Screenshots</dt><dd class="nhsuk-summary-list__value">${taken} of ${shots.length} taken (browser mode, the screenshots folder)${whyNot.length ? `; not taken: ${whyNot.map(esc).join('; ')}` : ''}</dd></div>`
    : '';
  const verdict = t.failed ? 'failed' : 'passed';
  const reqRows = Object.entries(run.requirements)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(
      ([id, r]) =>
        `<tr class="nhsuk-table__row"><th scope="row" class="nhsuk-table__header">${esc(id)}</th><td class="nhsuk-table__cell">${r.scenarios.map((s) => `<a href="#${anchor(s)}">${esc(s)}</a>`).join(', ')}</td><td class="nhsuk-table__cell">${tag(r.status)}</td></tr>`,
    )
    .join('\n');
  const scenarios = run.scenarios
    .map(
      (sc) => `
<section aria-labelledby="${anchor(sc.id)}">
<h3 id="${anchor(sc.id)}">${esc(sc.id)}: ${esc(sc.title)} ${tag(sc.status)}</h3>
<p class="nhsuk-body-s">Requirements: ${sc.requirements.map(esc).join(', ')}. File: <code>${esc(sc.file)}</code>. ${sc.ms} ms.</p>
${sc.failure ? `<div class="nhsuk-error-summary" role="alert"><h4 class="nhsuk-error-summary__title">What differed</h4><div class="nhsuk-error-summary__body"><p>${esc(sc.failure)}</p></div></div>` : ''}
<table class="nhsuk-table"><caption class="nhsuk-table__caption nhsuk-u-visually-hidden">Steps of ${esc(sc.id)}</caption>
<thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Step</th><th scope="col" class="nhsuk-table__header">What</th><th scope="col" class="nhsuk-table__header">Result</th><th scope="col" class="nhsuk-table__header">ms</th></tr></thead>
<tbody class="nhsuk-table__body">${stepRows(sc, images)}</tbody></table>
</section>`,
    )
    .join('\n');
  const versions = Object.entries(run.versions)
    .map(
      ([k, v]) =>
        `<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">${esc(k)}</dt><dd class="nhsuk-summary-list__value">${esc(v)}</dd></div>`,
    )
    .join('');
  return `<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Scrip assurance report: ${verdict} (${esc(run.environment.label)})</title>
<style>${nhsukCss()}
pre{white-space:pre-wrap;word-break:break-all;font-size:12px;background:#f0f4f5;padding:8px;max-width:100%}
</style>
</head>
<body>
<header class="nhsuk-header" role="banner"><div class="nhsuk-width-container nhsuk-header__container"><p class="nhsuk-header__service-name" style="color:#fff;margin:8px 0;font-weight:700">Scrip assurance report</p></div></header>
<div class="nhsuk-width-container"><main class="nhsuk-main-wrapper" id="maincontent">
<h1>Assurance run ${verdict}: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped</h1>
<dl class="nhsuk-summary-list">
<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Environment</dt><dd class="nhsuk-summary-list__value">${esc(run.environment.label)} (${esc(run.environment.name)}, ${esc(run.environment.baseUrl)})</dd></div>
<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Service clock</dt><dd class="nhsuk-summary-list__value">${run.fixedClock ? `fixed, starting ${esc(run.fixedClock)}` : 'the system clock'}</dd></div>
<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Run</dt><dd class="nhsuk-summary-list__value">${esc(run.runId)}, ${esc(run.startedAt)} to ${esc(run.finishedAt)}; ${t.steps} steps; runner overhead ${run.overheadPerStepMs} ms per step</dd></div>
${versions}
${shotsRow}
<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">Signed by</dt><dd class="nhsuk-summary-list__value">key ${esc(opts.signer)} (JWK thumbprint, RFC 7638); check with <code>scrip assure verify</code></dd></div>
</dl>
<h2>Requirements</h2>
<table class="nhsuk-table"><caption class="nhsuk-table__caption">Each requirement and the scenarios that evidence it</caption>
<thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th scope="col" class="nhsuk-table__header">Requirement</th><th scope="col" class="nhsuk-table__header">Scenarios</th><th scope="col" class="nhsuk-table__header">Result</th></tr></thead>
<tbody class="nhsuk-table__body">${reqRows}</tbody></table>
<h2>Scenarios</h2>
${scenarios}
</main></div>
</body>
</html>
`;
}
