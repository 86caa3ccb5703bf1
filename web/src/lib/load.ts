// Loading data for a page: the value, the error, and a way to load again (after a change or an event).
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** load again; resolves once the new answer (or error) is in */
  reload: () => Promise<void>;
  /** replace the value without a request (the answer of a change already holds it) */
  setData: (value: T) => void;
}

interface State<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
}

export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<State<T>>({ data: undefined, error: undefined, loading: true });
  const [version, setVersion] = useState(0);
  const waiting = useRef<(() => void)[]>([]);

  useEffect(() => {
    let current = true; // an answer to a request that a newer one replaced is dropped
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (error: unknown) => current && setState((s) => ({ ...s, error, loading: false })),
    ).finally(() => {
      if (!current) return;
      const done = waiting.current.splice(0);
      for (const resolve of done) resolve();
    });
    return () => {
      current = false;
    };
    // The caller names what `load` depends on (like useEffect's own list); `version` is a reload.
    // oxlint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, version]);

  const reload = useCallback(
    () =>
      new Promise<void>((resolve) => {
        waiting.current.push(resolve);
        setVersion((v) => v + 1);
      }),
    [],
  );
  const setData = useCallback((data: T) => setState({ data, error: undefined, loading: false }), []);
  return { ...state, reload, setData };
}
