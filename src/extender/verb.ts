import type { Logger } from 'pino';

/** One extender verb: how to check its body, decide, and answer a failure. */
export interface ExtenderVerb<In, Out> {
  /** Route name: filter, prioritize, bind. */
  readonly name: string;
  /** The Go type the body must match, for error messages. */
  readonly wireName: string;
  /** Why `body` is not an `In`, or null. */
  malformed(body: unknown): string | null;
  handle(body: In, log: Logger): Out | Promise<Out>;
  /** The HTTP 200 answer for a failure while deciding. */
  onError(err: unknown): Out;
  /**
   * The answer as JSON (default JSON.stringify). `plain`: the request held no
   * JSON escape, so names taken from it may be written between quotes as they are.
   */
  encode?(out: Out, plain: boolean): string;
}

/** Erase a verb's types for the registry (each verb checks its own body). */
export function verb<In, Out>(v: ExtenderVerb<In, Out>): ExtenderVerb<unknown, unknown> {
  return v as unknown as ExtenderVerb<unknown, unknown>;
}
