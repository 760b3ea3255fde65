// What Gangplank's HTTPS listeners negotiate: TLS 1.2 or 1.3, and under 1.2
// only ECDHE key exchange with AEAD ciphers (forward secrecy; no CBC, no RSA
// key transport, no SHA-1 MACs). TLS 1.3's suites are all AEAD with forward
// secrecy and stay Node's defaults. The list matches what kube-apiserver's
// Go client offers first (crypto/tls defaults), so the API server and the
// scheduler always find a common suite.
import type { SecureContextOptions, TlsOptions } from 'node:tls';

export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;

/** TLS 1.3 suites (OpenSSL names), listed first in `ciphers` so that they stay enabled. */
const TLS13_CIPHERS = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

export const TLS_POLICY: Pick<TlsOptions & SecureContextOptions, 'minVersion' | 'ciphers' | 'honorCipherOrder'> = {
  minVersion: 'TLSv1.2',
  ciphers: [...TLS13_CIPHERS, ...TLS12_CIPHERS].join(':'),
  honorCipherOrder: true,
};
