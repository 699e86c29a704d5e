import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface SimCertificate {
  key: string;
  cert: string;
  /** PEM file of the certificate, for clients to trust (`GRAPH_CA_CERT`). */
  caCertPath: string;
  remove(): Promise<void>;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost, its PEM written to a temporary
 * directory (the private key stays in memory). Clients trust it; nobody switches checks off.
 */
export async function createCertificate(): Promise<SimCertificate> {
  const pems = await generate([{ name: 'commonName', value: 'TenantOps simulated Graph' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 7 * 24 * 3_600_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'graph-sim-'));
  const caCertPath = join(dir, 'ca.pem');
  await writeFile(caCertPath, pems.cert);
  return {
    key: pems.private,
    cert: pems.cert,
    caCertPath,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
