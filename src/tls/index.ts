export { generateCA, generateServingCert, generateSignedCert, certificateNotAfter, needsRenewal, type KeyPair } from './certs.js';
export { watchCertFiles, readPair, type CertFiles, type LoadedPair } from './reload.js';
