// The only place that reads process.env (docs/architecture.md, "One place for configuration").

export interface Environment {
  /** Explicit kubeconfig path from KUBECONFIG, if any. */
  readonly kubeconfig?: string;
  /** True inside a pod (service-account token mounted, KUBERNETES_SERVICE_HOST set). */
  readonly inCluster: boolean;
  /** The API server's in-cluster address (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT), inside a pod. */
  readonly kubernetesService?: { readonly host: string; readonly port: string };
  /** pino level from LOG_LEVEL (default info). */
  readonly logLevel: string;
  /** This pod's namespace (downward API POD_NAMESPACE), for Secrets and Leases. */
  readonly podNamespace?: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  return {
    kubeconfig: env.KUBECONFIG || undefined,
    inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    ...(env.KUBERNETES_SERVICE_HOST ? { kubernetesService: { host: env.KUBERNETES_SERVICE_HOST, port: env.KUBERNETES_SERVICE_PORT || '443' } } : {}),
    logLevel: env.LOG_LEVEL || 'info',
    podNamespace: env.POD_NAMESPACE || undefined,
  };
}
