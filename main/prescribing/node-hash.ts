// The hash protocols/eps/fragments asks for (it stays free of Node), done with node:crypto.
import { createHash } from 'node:crypto';

export const nodeHash = (alg: 'sha256' | 'sha1', data: string): string =>
  createHash(alg).update(data, 'utf8').digest('base64');
