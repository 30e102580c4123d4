// Unused exports: a name exported by a module that no other module imports (or re-exports to one
// that does). Such an export says "other code depends on this" when none does, so it is either
// made private or deleted. `npm run lint:exports` checks everything; `npm run lint` skips the folders
// whose findings are still to be removed (package.json). Exits 1 naming each one as file:line name.
//
// Read with TypeScript's own parser (no type check, ~1 s). What counts as a use: a named import or
// re-export, `import * as ns` or `export * from` reached through an import (a namespace import uses
// every name), `import('…')` (every name) and `import('…').Name` in a type. Entry points — whose
// exports are used by whatever runs them — are: test/, bench/, scripts/, bin/, the root config files,
// renderer/src/main.tsx, and every source file a build script in scripts/ names as an entry. A
// `defineCommand` export is kept: the registration test reads every command module's exports.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** `--root <dir>` (tests), `--skip <prefix>` (folders or files not reported yet), other words: report only these prefixes. */
const argv = process.argv.slice(2);
const option = (flag) => argv.flatMap((a, i) => (argv[i - 1] === flag ? [a] : []));
const only = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
const skip = option('--skip');
const root = resolve(option('--root')[0] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const SOURCE_DIRS = ['main', 'native', 'protocols', 'sandbox', 'renderer', 'test', 'bench', 'scripts', 'bin'];
const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'test-results', 'playwright-report', '.tmp']);
const SOURCE = /\.(ts|tsx|mts|mjs|js|cjs)$/;

/** Entry points by folder: everything in them runs on its own (tests, benchmarks, tools). */
const ENTRY_DIRS = ['test/', 'bench/', 'scripts/', 'bin/'];
/** Entry points that no build script names as a string. */
const ENTRY_FILES = ['renderer/src/main.tsx', 'renderer/vite.config.ts'];

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    if (SKIP_DIRS.has(f)) return [];
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : SOURCE.test(f) && !f.endsWith('.d.ts') ? [p] : [];
  });
}

const files = [
  ...SOURCE_DIRS.flatMap((d) => walk(join(root, d))),
  ...readdirSync(root)
    .filter((f) => SOURCE.test(f))
    .map((f) => join(root, f)),
];
const rel = (p) => relative(root, p);

/** Files the build scripts bundle as entries (esbuild entryPoints, named by path in a string). */
function buildEntries() {
  const out = new Set();
  for (const f of files.filter((p) => /^(scripts|bin)\//.test(rel(p)))) {
    for (const m of readFileSync(f, 'utf8').matchAll(
      /['"`]((?:main|native|sandbox|protocols|renderer)\/[\w./-]+\.tsx?)['"`]/g,
    ))
      if (existsSync(join(root, m[1]))) out.add(m[1]);
  }
  return out;
}
const entries = new Set([...ENTRY_FILES, ...buildEntries()]);
const isEntry = (r) => entries.has(r) || ENTRY_DIRS.some((d) => r.startsWith(d)) || !r.includes('/');

function resolveSpecifier(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  const noJs = base.replace(/\.(m?js|cjs)$/, '');
  for (const c of [
    base,
    `${base}.ts`,
    `${base}.tsx`,
    `${noJs}.ts`,
    `${noJs}.tsx`,
    `${noJs}.mts`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
  ])
    if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

const hasModifier = (node, kind) => !!ts.getModifiers?.(node)?.some((m) => m.kind === kind);

/** Per file: what it exports itself (name → line), its re-exports, and what it uses of other files. */
function readModule(file) {
  const text = readFileSync(file, 'utf8');
  const kind = file.endsWith('x')
    ? ts.ScriptKind.TSX
    : /\.(m?js|cjs)$/.test(file)
      ? ts.ScriptKind.JS
      : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const line = (n) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const own = new Map(); // exported name → line
  const reexports = []; // { name (as exported here) | '*', from, imported }
  const uses = []; // { file, name | '*' }
  const use = (spec, name) => {
    const target = resolveSpecifier(file, spec);
    if (target) uses.push({ file: target, name });
  };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      const c = st.importClause;
      if (!c) continue;
      if (c.name) use(spec, 'default');
      const b = c.namedBindings;
      if (b && ts.isNamespaceImport(b)) use(spec, '*');
      if (b && ts.isNamedImports(b)) for (const e of b.elements) use(spec, (e.propertyName ?? e.name).text);
    } else if (ts.isExportDeclaration(st)) {
      const spec = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
      if (!st.exportClause) {
        if (spec) reexports.push({ name: '*', from: resolveSpecifier(file, spec), imported: '*', line: line(st) });
      } else if (ts.isNamespaceExport(st.exportClause)) {
        if (spec) {
          own.set(st.exportClause.name.text, line(st));
          use(spec, '*');
        }
      } else {
        for (const e of st.exportClause.elements) {
          const imported = (e.propertyName ?? e.name).text;
          if (spec) reexports.push({ name: e.name.text, from: resolveSpecifier(file, spec), imported, line: line(e) });
          else own.set(e.name.text, line(e));
        }
      }
    } else if (ts.isExportAssignment(st)) {
      own.set('default', line(st));
    } else if (hasModifier(st, ts.SyntaxKind.ExportKeyword)) {
      const name = hasModifier(st, ts.SyntaxKind.DefaultKeyword) ? 'default' : null;
      if (name) own.set(name, line(st));
      else if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          const names = [];
          const collect = (n) => {
            if (ts.isIdentifier(n)) names.push(n.text);
            else for (const el of n.elements) if (!ts.isOmittedExpression(el)) collect(el.name);
          };
          collect(d.name);
          // A command is read by reflection (test/main/commands/registration.test.ts imports every
          // export of main/commands/*.ts), so its export is its registration check: kept.
          const init = d.initializer;
          if (
            init &&
            ts.isCallExpression(init) &&
            ts.isIdentifier(init.expression) &&
            init.expression.text === 'defineCommand'
          )
            continue;
          for (const n of names) own.set(n, line(d));
        }
      } else if (st.name && ts.isIdentifier(st.name)) own.set(st.name.text, line(st));
    }
  }
  // import('…') anywhere (every name), and `import('…').Name` in types.
  const visit = (n) => {
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const a = n.arguments[0];
      if (a && ts.isStringLiteralLike(a)) use(a.text, '*');
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      const q = n.qualifier;
      const first = q ? (ts.isIdentifier(q) ? q : leftmost(q)) : null;
      use(n.argument.literal.text, first ? first.text : '*');
    }
    ts.forEachChild(n, visit);
  };
  const leftmost = (q) => (ts.isIdentifier(q) ? q : leftmost(q.left));
  visit(sf);
  return { own, reexports, uses };
}

const modules = new Map(files.map((f) => [f, readModule(f)]));
const used = new Map(files.map((f) => [f, new Set()])); // names of a file used from outside
const reexportUsed = new Set(); // `${file}:${line}` of re-exports some import reached

/** Marks `name` of `file` used, following re-exports to the module that declares it. */
function markUsed(file, name, seen = new Set()) {
  const key = `${file}\0${name}`;
  if (seen.has(key)) return;
  seen.add(key);
  const m = modules.get(file);
  if (!m) return;
  if (name === '*') {
    for (const n of m.own.keys()) used.get(file).add(n);
    for (const r of m.reexports) {
      reexportUsed.add(`${file}:${r.line}`);
      if (r.from) markUsed(r.from, r.imported, seen);
    }
    return;
  }
  used.get(file).add(name);
  if (m.own.has(name)) return;
  for (const r of m.reexports) {
    if (r.name === name && r.from) {
      reexportUsed.add(`${file}:${r.line}`);
      markUsed(r.from, r.imported, seen);
    } else if (r.name === '*' && r.from && hasExport(r.from, name)) {
      reexportUsed.add(`${file}:${r.line}`);
      markUsed(r.from, name, seen);
    }
  }
}

function hasExport(file, name, seen = new Set()) {
  if (seen.has(file)) return false;
  seen.add(file);
  const m = modules.get(file);
  if (!m) return false;
  if (m.own.has(name)) return true;
  return m.reexports.some((r) => r.from && (r.name === name || (r.name === '*' && hasExport(r.from, name, seen))));
}

for (const [, m] of modules) for (const u of m.uses) markUsed(u.file, u.name);

const findings = [];
for (const [file, m] of modules) {
  const r = rel(file);
  if (isEntry(r)) continue;
  for (const [name, line] of m.own) if (!used.get(file).has(name)) findings.push(`${r}:${line} ${name}`);
  for (const x of m.reexports)
    if (!reexportUsed.has(`${file}:${x.line}`))
      findings.push(
        `${r}:${x.line} ${x.name === '*' ? `export * from a module none of whose names is imported here` : `${x.name} (re-export)`}`,
      );
}

const shown = findings.filter(
  (f) => (!only.length || only.some((o) => f.startsWith(o))) && !skip.some((o) => f.startsWith(o)),
);
if (shown.length) {
  process.stdout.write(
    `${shown.length} unused export(s): no other module imports them. Remove the export (or the code, if nothing uses it).\n` +
      shown.map((f) => `  ${f}\n`).join(''),
  );
  process.exit(1);
}
process.stdout.write('No unused exports.\n');
