// AdmissionReview requests shaped as kube-apiserver sends them to a mutating
// webhook (admission.k8s.io/v1), and helpers to read the answer.
import type { V1Pod } from '@kubernetes/client-node';
import jsonpatch from 'fast-json-patch';
import type { AdmissionRequest, AdmissionResponse, AdmissionReview } from '../../src/k8s/wire.js';

let counter = 0;

export interface ReviewOptions {
  operation?: AdmissionRequest['operation'];
  dryRun?: boolean;
  uid?: string;
}

export function podReview(pod: V1Pod, options: ReviewOptions = {}): AdmissionReview {
  const operation = options.operation ?? 'CREATE';
  counter += 1;
  const request: AdmissionRequest = {
    uid: options.uid ?? `705ab4f5-6393-11e8-b7cc-42010a8000${String(counter).padStart(2, '0')}`,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    requestKind: { group: '', version: 'v1', kind: 'Pod' },
    requestResource: { group: '', version: 'v1', resource: 'pods' },
    name: pod.metadata?.name,
    namespace: pod.metadata?.namespace,
    operation,
    userInfo: { username: 'system:serviceaccount:spark:spark', uid: 'b6a9e5c0', groups: ['system:serviceaccounts', 'system:authenticated'] },
    object: operation === 'DELETE' ? null : pod,
    oldObject: operation === 'CREATE' ? null : pod,
    dryRun: options.dryRun ?? false,
    options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'DELETE' ? 'DeleteOptions' : operation === 'UPDATE' ? 'UpdateOptions' : 'CreateOptions' },
  };
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

/** The JSON Patch operations of a response (empty when it has none). */
export function patchOps(response: AdmissionResponse | undefined): jsonpatch.Operation[] {
  if (!response?.patch) return [];
  return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8')) as jsonpatch.Operation[];
}

/** The pod after the API server applies the response's patch. */
export function applyResponse(pod: V1Pod, response: AdmissionResponse | undefined): V1Pod {
  const ops = patchOps(response);
  return jsonpatch.applyPatch(structuredClone(pod), ops, true, false).newDocument;
}
