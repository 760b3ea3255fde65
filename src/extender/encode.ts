// JSON of the extender's answers, written directly. An answer names up to
// every candidate node (5,000 and more): JSON.stringify of an array of
// {Host, Score} objects costs about twice a direct concatenation, and a
// FailedNodes map repeats one message per node, which is stringified once
// here. Names are written as they came only when the request held no JSON
// escape at all (`plain`): a string in a JSON text without a backslash holds
// no quote, backslash or control character, so it needs no escaping; else
// every name goes through JSON.stringify.
import type { ExtenderFilterResult, FailedNodesMap, HostPriorityList } from '../k8s/wire.js';

/** True when every string in the JSON text `raw` can be written back between quotes as it is. */
export function escapeFree(raw: string): boolean {
  return raw.indexOf('\\') < 0;
}

const quote = (s: string, plain: boolean): string => (plain ? `"${s}"` : JSON.stringify(s));

function names(list: readonly string[], plain: boolean): string {
  if (list.length === 0) return '[]';
  if (plain) return `["${list.join('","')}"]`;
  return JSON.stringify(list);
}

function failedMap(m: FailedNodesMap, plain: boolean): string {
  let out = '{';
  let first = true;
  // Every node usually carries the same message (a gang that waits or does not fit): stringify it once.
  let lastMessage: string | undefined;
  let lastJson = '';
  for (const node in m) {
    const message = m[node] as string;
    if (message !== lastMessage) {
      lastMessage = message;
      lastJson = JSON.stringify(message);
    }
    out += `${first ? '' : ','}${quote(node, plain)}:${lastJson}`;
    first = false;
  }
  return `${out}}`;
}

export function encodeFilterResult(r: ExtenderFilterResult, plain: boolean): string {
  const parts: string[] = [];
  if (r.NodeNames !== undefined) parts.push(`"NodeNames":${r.NodeNames === null ? 'null' : names(r.NodeNames, plain)}`);
  if (r.Nodes !== undefined) parts.push(`"Nodes":${JSON.stringify(r.Nodes)}`);
  if (r.FailedNodes !== undefined) parts.push(`"FailedNodes":${failedMap(r.FailedNodes, plain)}`);
  if (r.FailedAndUnresolvableNodes !== undefined) parts.push(`"FailedAndUnresolvableNodes":${failedMap(r.FailedAndUnresolvableNodes, plain)}`);
  if (r.Error !== undefined) parts.push(`"Error":${JSON.stringify(r.Error)}`);
  return `{${parts.join(',')}}`;
}

/**
 * The priorities kube-scheduler needs to rank nodes as `list` does, and no
 * more: it adds each listed score (× the extender's weight) to that node's
 * total and reads a node that is not listed as 0 (prioritizeNodes in
 * pkg/scheduler/schedule_one.go). So the lowest score, which every node gets,
 * is taken off every node, and nodes left at 0 are not listed: the ranking is
 * the same, and a planned pod's answer is its one node instead of 5,000.
 * Scores that are not finite count as 0.
 */
export function compactPriorities(list: HostPriorityList): HostPriorityList {
  let min = Infinity;
  for (const p of list) {
    const s = Number.isFinite(p.Score) ? p.Score : 0;
    if (s < min) min = s;
  }
  const out: HostPriorityList = [];
  for (const p of list) {
    const s = (Number.isFinite(p.Score) ? p.Score : 0) - min;
    if (s > 0) out.push({ Host: p.Host, Score: s });
  }
  return out;
}

/** The wire form of a priority list: compacted (compactPriorities), written directly. */
export function encodeHostPriorities(list: HostPriorityList, plain: boolean): string {
  const compact = compactPriorities(list);
  if (!plain) return JSON.stringify(compact);
  let out = '[';
  for (let i = 0; i < compact.length; i++) {
    const p = compact[i] as HostPriorityList[number];
    out += `${i === 0 ? '' : ','}{"Host":"${p.Host}","Score":${p.Score}}`;
  }
  return `${out}]`;
}
