// A worker thread of message-workers.ts: runs message checks (message-checks.ts) and answers each by its id.
import { parentPort } from 'node:worker_threads';
import { runMessageJob, type MessageJob } from './message-checks';

const port = parentPort;
if (port) {
  port.on('message', (m: { id: number; job: MessageJob }) => {
    runMessageJob(m.job).then(
      (answer) => port.postMessage({ id: m.id, answer }),
      (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) }),
    );
  });
  port.postMessage('ready');
}
