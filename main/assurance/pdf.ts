// report.pdf: the HTML report printed by a headless Chromium where one is installed (Debian's
// /usr/bin/chromium, or SCRIP_CHROMIUM). Where none is, the pack has no PDF and says so.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [
    env.SCRIP_CHROMIUM,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ];
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null;
}

/** Prints the HTML file to a PDF; the note says what was used (kept in the manifest). */
export async function renderPdf(html: string, pdf: string): Promise<{ note: string }> {
  if (process.env.SCRIP_ASSURANCE_PDF === 'off') return { note: 'not rendered (SCRIP_ASSURANCE_PDF=off)' };
  const bin = findChromium();
  if (!bin) return { note: 'not rendered: no Chromium found (install chromium, or set SCRIP_CHROMIUM)' };
  const args = [
    '--headless',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--no-pdf-header-footer',
    // The report is a local file with no scripts or remote content; Chromium's sandbox needs user namespaces, often absent in containers.
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    `--print-to-pdf=${pdf}`,
    pathToFileURL(html).href,
  ];
  const version = await new Promise<string>((resolve) =>
    execFile(bin, ['--version'], { timeout: 10_000 }, (_e, out) => resolve(String(out ?? '').trim() || bin)),
  );
  await new Promise<void>((resolve, reject) => {
    execFile(bin, args, { timeout: 90_000 }, (e, _out, err) =>
      e || !existsSync(pdf)
        ? reject(new Error(`Chromium could not print the report: ${e?.message ?? String(err).slice(0, 300)}`))
        : resolve(),
    );
  });
  return { note: `rendered by ${version} (headless, print to PDF)` };
}
