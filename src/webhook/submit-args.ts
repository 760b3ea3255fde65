// Spark configuration the webhook can see in a driver pod itself: a pod
// that runs spark-submit (client mode: a Spark Connect or Thrift server, a
// notebook, a `sh -c "spark-submit …"` job) carries its --conf flags in its
// command and arguments. A driver spark-submit created in cluster mode does
// not: its container runs `driver --properties-file …` and the configuration
// is in the spark.properties ConfigMap, which only the extender reads.
//
// spark-submit's rules (SparkSubmitArguments, SparkSubmitOptionParser):
// `--conf k=v` / `-c k=v` / `--conf=k=v`, later flags win; the dedicated
// flags --num-executors, --executor-cores and --executor-memory win over
// --conf; SPARK_EXECUTOR_MEMORY and SPARK_EXECUTOR_CORES in the environment
// apply only when neither sets the value; options end at the primary resource
// (the application's jar or .py), after which come the application's own
// arguments. The start-*-server.sh scripts pass all their arguments to
// spark-submit and have no primary resource.
import type { V1Pod } from '@kubernetes/client-node';
import type { SparkConf } from '../contract/spark-conf.js';
import { mainContainer } from '../contract/spark-pod.js';
import { K } from '../contract/spark-resources.js';

const LAUNCHERS = new Set(['spark-submit', 'spark-shell', 'pyspark', 'sparkR', 'spark-sql']);
const SERVER_SCRIPTS = new Set(['start-connect-server.sh', 'start-thriftserver.sh']);

/** spark-submit options that take a value (SparkSubmitOptionParser.opts). */
const WITH_VALUE = new Set([
  '--archives',
  '--class',
  '--conf',
  '-c',
  '--deploy-mode',
  '--driver-class-path',
  '--driver-cores',
  '--driver-java-options',
  '--driver-library-path',
  '--driver-memory',
  '--exclude-packages',
  '--executor-cores',
  '--executor-memory',
  '--files',
  '--jars',
  '--keytab',
  '--kill',
  '--master',
  '--name',
  '--num-executors',
  '--packages',
  '--principal',
  '--properties-file',
  '--proxy-user',
  '--py-files',
  '--queue',
  '--repositories',
  '--status',
  '--total-executor-cores',
]);

const DEDICATED: Record<string, string> = {
  '--num-executors': K.instances,
  '--executor-cores': K.cores,
  '--executor-memory': K.memory,
};

const MAX_TOKENS = 4096;

/** Words of a shell command line: white space separates, '…' and "…" group (no escapes; enough to find flags). */
function shellWords(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null && out.length < MAX_TOKENS) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

function basename(token: string): string {
  const i = token.lastIndexOf('/');
  return i >= 0 ? token.slice(i + 1) : token;
}

/** The main container's words, shell -c scripts split into theirs. */
function words(pod: V1Pod): string[] {
  const c = mainContainer(pod, 'driver');
  const raw = [...(c?.command ?? []), ...(c?.args ?? [])].slice(0, MAX_TOKENS);
  const out: string[] = [];
  for (const t of raw) {
    if (/\s/.test(t) && /spark-submit|start-(connect|thrift)server\.sh|pyspark|spark-shell|spark-sql|sparkR/.test(t)) out.push(...shellWords(t));
    else out.push(t);
  }
  return out.slice(0, MAX_TOKENS);
}

/**
 * The Spark configuration a driver pod's own command line sets for its
 * executors, or an empty object when the pod does not run spark-submit.
 */
export function visibleSparkConf(pod: V1Pod): SparkConf {
  const tokens = words(pod);
  const at = tokens.findIndex((t) => LAUNCHERS.has(basename(t)) || SERVER_SCRIPTS.has(basename(t)));
  if (at < 0) return {};
  const server = SERVER_SCRIPTS.has(basename(tokens[at] as string));
  const conf: Record<string, string> = {};
  const dedicated: Record<string, string> = {};
  for (let i = at + 1; i < tokens.length; i++) {
    let name = tokens[i] as string;
    let value: string | undefined;
    if (!name.startsWith('-')) {
      if (server) continue;
      break; // the primary resource: what follows belongs to the application
    }
    const eq = name.startsWith('--') ? name.indexOf('=') : -1;
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!WITH_VALUE.has(name)) continue; // a flag without a value (--verbose, --supervise)
    if (value === undefined) value = tokens[++i];
    if (value === undefined) break;
    if (name === '--conf' || name === '-c') {
      const kv = value.indexOf('=');
      if (kv > 0) conf[value.slice(0, kv)] = value.slice(kv + 1);
    } else {
      const key = DEDICATED[name];
      if (key !== undefined) dedicated[key] = value;
    }
  }
  Object.assign(conf, dedicated);
  const env = mainContainer(pod, 'driver')?.env ?? [];
  const fromEnv = (name: string): string | undefined => env.find((e) => e.name === name && e.value !== undefined)?.value;
  const envMemory = fromEnv('SPARK_EXECUTOR_MEMORY');
  const envCores = fromEnv('SPARK_EXECUTOR_CORES');
  if (conf[K.memory] === undefined && envMemory !== undefined) conf[K.memory] = envMemory;
  if (conf[K.cores] === undefined && envCores !== undefined) conf[K.cores] = envCores;
  return conf;
}
