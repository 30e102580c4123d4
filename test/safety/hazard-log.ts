// Reads docs/safety/hazard-log.md into hazards, controls and the tests that prove them.
// The format is described at the top of that file; anything the parser cannot place is an error.

export interface TestRef {
  file: string;
  name: string;
}
export interface Control {
  id: string;
  text: string;
  open: boolean;
  tests: TestRef[];
}
export interface Hazard {
  id: string;
  title: string;
  cause: string;
  effect: string;
  initialRisk: string;
  residualRisk: string;
  controls: Control[];
}

const HAZARD = /^### (H-\d{2}) (.+)$/;
const FIELD = /^- (Cause|Effect|Initial risk|Residual risk): (.+)$/;
const CONTROL = /^- Control (C-\d{2}\.[a-z]): (.+)$/;
const TEST_LINE = /^ {2}- test: /;
const TEST = /^ {2}- test: `([^`]+)` › (.+)$/;

const fieldKey = {
  Cause: 'cause',
  Effect: 'effect',
  'Initial risk': 'initialRisk',
  'Residual risk': 'residualRisk',
} as const;

export function parseHazardLog(markdown: string): Hazard[] {
  const hazards: Hazard[] = [];
  let hazard: Hazard | null = null;
  let control: Control | null = null;
  markdown.split('\n').forEach((line, i) => {
    const at = `line ${i + 1}`;
    let m = HAZARD.exec(line);
    if (m) {
      hazard = { id: m[1]!, title: m[2]!, cause: '', effect: '', initialRisk: '', residualRisk: '', controls: [] };
      hazards.push(hazard);
      control = null;
      return;
    }
    if (line.startsWith('## ')) {
      hazard = null;
      control = null;
      return;
    }
    if (!hazard) return;
    const h: Hazard = hazard;
    if ((m = FIELD.exec(line))) {
      h[fieldKey[m[1] as keyof typeof fieldKey]] = m[2]!;
      return;
    }
    if ((m = CONTROL.exec(line))) {
      const text = m[2]!;
      control = { id: m[1]!, text, open: /\(open\)/.test(text), tests: [] };
      h.controls.push(control);
      return;
    }
    if (TEST_LINE.test(line)) {
      if (!control) throw new Error(`${at}: test line before any control in ${h.id}`);
      const t = TEST.exec(line);
      if (!t) throw new Error(`${at}: malformed test line (expected \`file\` › name): ${line}`);
      (control as Control).tests.push({ file: t[1]!, name: t[2]!.trim() });
    }
  });
  if (!hazards.length) throw new Error('no hazards found (expected "### H-NN Title" headings)');
  return hazards;
}
