// Wire types of the two protocols Gangplank speaks. Kubernetes objects use
// @kubernetes/client-node's model interfaces (their field names match the
// JSON); the extender types mirror k8s.io/kube-scheduler/extender/v1, whose
// Go structs carry no json tags, so the keys are the Go field names.
import type { V1Node, V1NodeList, V1Pod } from '@kubernetes/client-node';

// ---- admission.k8s.io/v1 ----

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  requestKind?: GroupVersionKind;
  requestResource?: GroupVersionResource;
  name?: string;
  namespace?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  userInfo?: { username?: string; uid?: string; groups?: string[] };
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
  options?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string };
  patch?: string;
  patchType?: 'JSONPatch';
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

// ---- k8s.io/kube-scheduler/extender/v1 ----

export interface ExtenderArgs {
  Pod: V1Pod;
  /** Set when the extender is not nodeCacheCapable. */
  Nodes?: V1NodeList | null;
  /** Set when the extender is nodeCacheCapable. */
  NodeNames?: string[] | null;
}

export type FailedNodesMap = Record<string, string>;

export interface ExtenderFilterResult {
  Nodes?: V1NodeList | null;
  NodeNames?: string[] | null;
  FailedNodes?: FailedNodesMap;
  FailedAndUnresolvableNodes?: FailedNodesMap;
  Error?: string;
}

export interface HostPriority {
  Host: string;
  Score: number;
}

export type HostPriorityList = HostPriority[];

export interface ExtenderBindingArgs {
  PodName: string;
  PodNamespace: string;
  PodUID: string;
  Node: string;
}

export interface ExtenderBindingResult {
  Error?: string;
}

/** A pod named by uid (MetaPod), when the extender is nodeCacheCapable. */
export interface MetaPod {
  UID: string;
}

export interface MetaVictims {
  Pods: MetaPod[] | null;
  NumPDBViolations: number;
}

export interface Victims {
  Pods: V1Pod[] | null;
  NumPDBViolations: number;
}

/** The preempt verb's body: NodeNameToMetaVictims when nodeCacheCapable, else NodeNameToVictims. */
export interface ExtenderPreemptionArgs {
  Pod: V1Pod;
  NodeNameToVictims?: Record<string, Victims | null> | null;
  NodeNameToMetaVictims?: Record<string, MetaVictims | null> | null;
}

/** Always by uid; a node left out is not preempted on. */
export interface ExtenderPreemptionResult {
  NodeNameToMetaVictims: Record<string, MetaVictims>;
}

/** Extender scores are 0..10 (MinExtenderPriority..MaxExtenderPriority). */
export const MAX_EXTENDER_PRIORITY = 10;

export type { V1Node, V1NodeList, V1Pod };
