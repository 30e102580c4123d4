// Which links the Electron window may hand to the system browser. Only https, only to hosts Scrip's
// own pages link to (NHS guidance, the project): a compromised or confused renderer must not be able
// to open arbitrary URLs or schemes (file:, smb:, custom protocol handlers) through the OS.
const externalLinkHosts = new Set([
  'digital.nhs.uk',
  'www.nhs.uk',
  'service-manual.nhs.uk',
  'www.datadictionary.nhs.uk',
  'github.com',
]);

export function externalLinkAllowed(raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    u.username === '' &&
    u.password === '' &&
    u.port === '' &&
    externalLinkHosts.has(u.hostname)
  );
}
