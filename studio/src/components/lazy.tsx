import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from './common';

/** A page component loaded with a dynamic import the first time it is shown. */
export function lazyPage<P extends object>(load: () => Promise<(p: P) => JSX.Element>): (p: P) => JSX.Element {
  let Loaded: ((p: P) => JSX.Element) | undefined;
  let pending: Promise<unknown> | undefined;
  return function Lazy(props: P) {
    const [, setTick] = useState(0);
    const [error, setError] = useState<unknown>(undefined);
    useEffect(() => {
      if (Loaded) return;
      pending ||= load().then((c) => (Loaded = c));
      pending.then(() => setTick((t) => t + 1)).catch(setError);
    }, []);
    if (Loaded) return <Loaded {...props} />;
    if (error) return <ErrorBox error={error} what="loading the page" />;
    return <Loading />;
  };
}
