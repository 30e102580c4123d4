// The evidence pack: a directory holding the report (HTML, PDF), the run's results and raw message
// log, and manifest.json listing every file with its SHA-256, sealed by manifest.jws.
// `verifyPack` re-checks all of it and names each file that differs.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { RunResult } from './runner';
import { renderReport } from './report-html';
import { renderPdf } from './pdf';
import { signManifest, verifyManifestSignature, type PackKey } from './pack-signature';

export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.jws';

export interface Manifest {
  format: 'scrip-evidence-pack/1';
  runId: string;
  createdAt: string;
  signer: { alg: string; thumbprint: string };
  pdf: string;
  files: Array<{ path: string; sha256: string; bytes: number }>;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Writes the pack into `dir` (created; must be empty or hold only an earlier pack) and seals it.
 * `screenshots` are the PNGs the run took, by their path in the pack (screenshots/…png).
 */
export async function writePack(
  dir: string,
  run: RunResult,
  key: PackKey,
  screenshots: ReadonlyMap<string, Buffer> = new Map(),
): Promise<{ manifest: Manifest; pdf: string }> {
  mkdirSync(dir, { recursive: true });
  const stray = listFiles(dir).filter(
    (f) =>
      !/^(report\.(html|pdf)|results\.json|messages\.jsonl|manifest\.(json|jws)|screenshots\/[a-z0-9-]+\.png)$/.test(f),
  );
  if (stray.length)
    throw new Error(
      `${dir} already holds other files (${stray.slice(0, 3).join(', ')}); choose an empty directory for the evidence pack`,
    );
  rmSync(join(dir, 'screenshots'), { recursive: true, force: true }); // an earlier pack's are not this run's
  for (const [file, png] of screenshots) {
    if (!/^screenshots\/[a-z0-9-]+\.png$/.test(file))
      throw new Error(`a screenshot's name "${file}" is not screenshots/<lower-case name>.png`);
    mkdirSync(join(dir, 'screenshots'), { recursive: true });
    writeFileSync(join(dir, file), png);
  }
  const exchanges = run.scenarios.flatMap((s) =>
    s.steps.flatMap((st) => st.exchanges.map((x) => ({ scenario: s.id, step: st.index, ...x }))),
  );
  writeFileSync(
    join(dir, 'messages.jsonl'),
    exchanges.map((x) => JSON.stringify(x)).join('\n') + (exchanges.length ? '\n' : ''),
  );
  writeFileSync(join(dir, 'results.json'), JSON.stringify(run, null, 2) + '\n');
  const html = renderReport(run, { signer: key.thumbprint, screenshots });
  writeFileSync(join(dir, 'report.html'), html);
  // The PDF shows every step's details (a closed <details> prints as its summary alone); the variant
  // with them open is printed from a scratch folder and is not part of the pack.
  const scratch = mkdtempSync(join(tmpdir(), 'scrip-report-'));
  let pdf: { note: string };
  try {
    writeFileSync(
      join(scratch, 'report.html'),
      html.replaceAll('<details class="nhsuk-details">', '<details class="nhsuk-details" open>'),
    );
    pdf = await renderPdf(join(scratch, 'report.html'), join(dir, 'report.pdf'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const files = listFiles(dir)
    .filter((f) => f !== MANIFEST && f !== SIGNATURE)
    .map((path) => {
      const b = readFileSync(join(dir, path));
      return { path, sha256: sha256(b), bytes: b.length };
    });
  const manifest: Manifest = {
    format: 'scrip-evidence-pack/1',
    runId: run.runId,
    createdAt: run.finishedAt,
    signer: { alg: key.alg, thumbprint: key.thumbprint },
    pdf: pdf.note,
    files,
  };
  const bytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(dir, MANIFEST), bytes);
  writeFileSync(join(dir, SIGNATURE), signManifest(bytes, key) + '\n');
  return { manifest, pdf: pdf.note };
}

export interface PackVerdict {
  ok: boolean;
  dir: string;
  signer: { alg: string; thumbprint: string } | null;
  files: number;
  /** Each problem names the file it concerns. */
  problems: Array<{ file: string; problem: string }>;
}

/** Checks the seal, then every file against the manifest, and that nothing was added. */
export function verifyPack(dir: string, opts: { trust?: string } = {}): PackVerdict {
  const verdict: PackVerdict = { ok: false, dir, signer: null, files: 0, problems: [] };
  const problem = (file: string, p: string) => verdict.problems.push({ file, problem: p });
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    problem(dir, 'is not a directory');
    return verdict;
  }
  const mPath = join(dir, MANIFEST),
    sPath = join(dir, SIGNATURE);
  if (!existsSync(mPath)) {
    problem(MANIFEST, 'is missing');
    return verdict;
  }
  if (!existsSync(sPath)) {
    problem(SIGNATURE, 'is missing: the pack is not signed');
    return verdict;
  }
  const bytes = readFileSync(mPath);
  const sig = verifyManifestSignature(readFileSync(sPath, 'utf8'), bytes);
  if (!sig.ok) {
    problem(sig.problem.startsWith('manifest.json') ? MANIFEST : SIGNATURE, sig.problem);
    return verdict;
  }
  verdict.signer = { alg: sig.alg, thumbprint: sig.thumbprint };
  if (opts.trust && opts.trust !== sig.thumbprint)
    problem(SIGNATURE, `signed by key ${sig.thumbprint}, not the trusted key ${opts.trust}`);
  let manifest: Manifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch {
    problem(MANIFEST, 'is not JSON');
    return verdict;
  }
  const listed = new Set<string>();
  for (const f of manifest.files ?? []) {
    listed.add(f.path);
    const p = join(dir, f.path);
    if (f.path.includes('..') || !existsSync(p)) {
      problem(f.path, 'is listed in the manifest but missing');
      continue;
    }
    const b = readFileSync(p);
    if (sha256(b) !== f.sha256)
      problem(f.path, `has changed since the pack was signed (SHA-256 ${sha256(b)}, signed ${f.sha256})`);
  }
  for (const f of listFiles(dir))
    if (f !== MANIFEST && f !== SIGNATURE && !listed.has(f)) problem(f, 'was added after the pack was signed');
  verdict.files = listed.size;
  verdict.ok = verdict.problems.length === 0;
  return verdict;
}

/** JUnit XML for CI systems: one testsuite, one testcase per scenario, failures with the difference. */
export function junitXml(run: RunResult): string {
  const esc = (s: string) =>
    s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
  const cases = run.scenarios.map((s) => {
    const head = `  <testcase classname="scrip.assurance.${esc(s.tags[0] ?? 'scenario')}" name="${esc(`${s.id} ${s.title}`)}" file="${esc(s.file)}" time="${(s.ms / 1000).toFixed(3)}">`;
    const props = `    <properties>${s.requirements.map((r) => `<property name="requirement" value="${esc(r)}"/>`).join('')}</properties>`;
    const body =
      s.status === 'failed'
        ? `    <failure message="${esc(s.failure ?? 'failed')}"/>`
        : s.status === 'skipped'
          ? `    <skipped message="${esc(s.steps[0]?.differences[0] ?? 'not run')}"/>`
          : '';
    return [head, props, body, '  </testcase>'].filter(Boolean).join('\n');
  });
  const t = run.totals;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="Scrip assurance (${esc(run.environment.label)})" tests="${run.scenarios.length}" failures="${t.failed}" skipped="${t.skipped}" timestamp="${run.startedAt}">\n${cases.join('\n')}\n</testsuite>\n`;
}
