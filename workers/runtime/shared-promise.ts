/**
 * Awaits a promise that another request may settle (a shared group commit, a shared cache miss).
 *
 * workerd ends a request with "Promise will never complete" when the request waits on nothing of
 * its own: a promise driven by another request's I/O does not count. A timer of this request's
 * own keeps it alive while it waits, and doubles as the bound on how long it waits.
 */
export function awaitShared<T>(shared: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([shared, timeout]).finally(() => clearTimeout(timer));
}
