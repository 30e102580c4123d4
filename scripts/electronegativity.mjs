#!/usr/bin/env node
// Electronegativity (Doyensec's Electron security scanner, pinned in devDependencies) over the
// Electron shell (main/electron) and the renderer, as part of `npm run lint`. Every finding must be
// fixed or listed with its reason in electronegativity.json; an unlisted finding fails, and so does
// a listed one that no longer occurs (the list stays true). HIGH findings are named first.
//
// Usage: node scripts/electronegativity.mjs [--config FILE] [DIR_OR_FILE…]   (paths relative to the repo)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const configAt = args.indexOf('--config');
const configFile = configAt >= 0 ? resolve(args[configAt + 1]) : join(root, 'electronegativity.json');
const inputs = args.filter((_, i) => i !== configAt && i !== configAt + 1);
const scanned = inputs.length ? inputs : ['main/electron', 'renderer/index.html', 'renderer/src'];
const config = JSON.parse(readFileSync(configFile, 'utf8'));

/** One CSV record per line, RFC 4180 quoting (the tool quotes samples that hold commas). */
function parseCsv(text) {
  const rows = [];
  let row = [],
    field = '',
    quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// Runs the tool (argv[1]) with fs.writeFile calls made one after another, in the order called.
const SERIAL_WRITES = `const fs = require('fs'); const write = fs.writeFile; let queue = Promise.resolve();
fs.writeFile = (file, data, options, callback) => {
  if (typeof options === 'function') { callback = options; options = {}; }
  queue = queue.then(() => new Promise((done) => write(file, data, options, (e) => { done(); if (callback) callback(e); })));
};
require(process.argv[1]);`;

// The tool scans one input: copy what is scanned into one folder, keeping repo-relative paths.
const work = mkdtempSync(join(tmpdir(), 'scrip-electronegativity-'));
try {
  const src = join(work, 'src');
  for (const p of scanned) cpSync(resolve(root, p), join(src, p), { recursive: true });
  const electronVersion = JSON.parse(
    readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8'),
  ).version;
  const out = join(work, 'findings.csv');
  const bin = join(root, 'node_modules', '@doyensec', 'electronegativity', 'dist', 'index.js');
  // The tool writes its CSV header and its rows with two fs.writeFile calls it does not wait on
  // (util/file.js), so the header's truncating write could land in the middle of the rows, or after
  // them (a lint run failed on a garbled file). It runs with its writes put in order, and a file that
  // is still not exactly a header and whole rows fails the run.
  const HEADER = ['issue', 'severity', 'confidence', 'filename', 'location', 'sample', 'description', 'url'];
  const wellFormed = (rows) =>
    rows.length > 0 &&
    rows[0].map((h) => h.trim()).join() === HEADER.join() &&
    rows.slice(1).every((r) => r.length === HEADER.length && /^[A-Z0-9_]+$/.test(r[0]) && /^\d+:\d+$/.test(r[4]));
  let rows = [];
  for (let attempt = 1; ; attempt++) {
    rmSync(out, { force: true });
    const run = spawnSync(
      process.execPath,
      [
        '-e',
        SERIAL_WRITES,
        bin,
        '-i',
        src,
        '-r',
        '-v',
        'false',
        '-e',
        electronVersion,
        '-x',
        config.excludedChecks.map((x) => x.check).join(','),
        '-o',
        out,
      ],
      { encoding: 'utf8', timeout: 180_000 },
    );
    if (run.status !== 0 || !existsSync(out)) {
      process.stderr.write(
        `Electronegativity did not run to the end (exit ${run.status ?? run.signal}):\n${run.stderr}${run.stdout}\n`,
      );
      process.exit(2);
    }
    // The rows' write is the last thing the tool does before it exits; read once it has.
    rows = parseCsv(readFileSync(out, 'utf8')).filter((r) => r.length > 1);
    if (wellFormed(rows)) break;
    if (attempt === 2) {
      process.stderr.write(`Electronegativity wrote a malformed CSV twice running (${out}).\n`);
      process.exit(2);
    }
  }
  const [header, ...records] = rows;
  const col = (name) => header.findIndex((h) => h.trim() === name);
  const findings = records.map((r) => ({
    check: r[col('issue')],
    severity: r[col('severity')],
    confidence: r[col('confidence')],
    file: r[col('filename')],
    at: r[col('location')],
    description: r[col('description')],
  }));
  const accepted = config.accepted;
  const isAccepted = (f) => accepted.some((a) => a.check === f.check && a.file === f.file);
  const open = findings.filter((f) => !isAccepted(f));
  const stale = accepted.filter((a) => !findings.some((f) => f.check === a.check && f.file === a.file));
  const say = (f) => `  ${f.severity} ${f.check} ${f.file}:${f.at} (${f.confidence}): ${f.description}`;
  process.stdout.write(
    `Electronegativity (Electron ${electronVersion}) over ${scanned.join(', ')}: ${findings.length} finding(s), ${findings.length - open.length} reviewed in ${configFile.replace(`${root}/`, '')}\n`,
  );
  if (open.length) {
    const high = open.filter((f) => f.severity === 'HIGH');
    process.stderr.write(
      `${open.length} finding(s) neither fixed nor reviewed${high.length ? `, ${high.length} of them HIGH` : ''}:\n${[...high, ...open.filter((f) => f.severity !== 'HIGH')].map(say).join('\n')}\n` +
        'Fix each (https://github.com/doyensec/electronegativity/wiki names the fix), or, if it is not a fault here, add it to electronegativity.json with the reason.\n',
    );
  }
  if (stale.length)
    process.stderr.write(
      `Reviewed finding(s) that no longer occur; remove them from ${configFile.replace(`${root}/`, '')}:\n${stale.map((a) => `  ${a.check} ${a.file}`).join('\n')}\n`,
    );
  process.exit(open.length || stale.length ? 1 : 0);
} finally {
  rmSync(work, { recursive: true, force: true });
}
