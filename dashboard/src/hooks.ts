import { useEffect, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data: T | null;
  error: Error | null;
  /** True from the render in which `key` changes until its answer arrives. */
  loading: boolean;
}

interface Stored<T> {
  key: string | null;
  data: T | null;
  error: Error | null;
  settled: boolean;
}

/**
 * Runs `load` whenever `key` changes and keeps the latest answer; an answer that arrives after a
 * newer request started is dropped, so a slow response never overwrites a fresh one. `data`
 * stays the previous answer while the next one loads (panels dim it rather than blank out).
 */
export function useAsync<T>(load: () => Promise<T>, key: string): AsyncState<T> & { reload(): void } {
  const [state, setState] = useState<Stored<T>>({ key: null, data: null, error: null, settled: false });
  const [nonce, setNonce] = useState(0);
  const requestKey = `${key}#${nonce}`;
  // `key` names everything `load` reads, so `load` itself is not a dependency.
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setState({ key: requestKey, data, error: null, settled: true }),
      (error: unknown) =>
        live &&
        setState({
          key: requestKey,
          data: null,
          error: error instanceof Error ? error : new Error(String(error)),
          settled: true,
        }),
    );
    return () => {
      live = false;
    };
  }, [requestKey]);
  // Loading is derived, not stored: in the very render where `key` changes, the data on hand
  // already counts as stale.
  const loading = !state.settled || state.key !== requestKey;
  return {
    data: state.data,
    error: loading ? null : state.error,
    loading,
    reload: () => setNonce((n) => n + 1),
  };
}

/** Saves `text` as a file through a temporary link (no server round trip). */
export function downloadText(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
