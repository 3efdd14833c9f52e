import { env } from 'cloudflare:workers';
import type { Env } from '../../../workers/env';
import type { LeaseSource } from '../../../workers/limits/lease';
import type { LeaseResponse } from '../../../workers/limits/rate-limiter';

/** The Worker's bindings as these tests see them. */
export const testEnv = env as unknown as Env;

/** A fresh key prefix per test, so no test sees another's Durable Object. */
export function uniquePrefix(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Wraps the real namespace so a test can make every lease call fail or hang. */
export function faultyNamespace(fault: 'throw' | 'hang'): LeaseSource & { calls: number } {
  const source = {
    calls: 0,
    getByName() {
      return {
        lease: async (): Promise<LeaseResponse> => {
          source.calls++;
          if (fault === 'hang') return new Promise<never>(() => {});
          throw new Error('injected Durable Object failure');
        },
      };
    },
  };
  return source;
}
