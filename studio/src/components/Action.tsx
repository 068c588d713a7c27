// The buttons that change something on the server (disable a published pipeline or a
// schedule, archive an endpoint, move its default version): a destructive one asks first (an
// inline confirm, focus on its button, Esc cancels), each shows that it is pending, shows the
// server's refusal where it was clicked (its message: a read-only token's 403, a bad token's
// 401, a 409), and hands the server's answer to the page, which shows that instead of what it
// had loaded.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type PublishedStatus } from '../lib/api';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.status} ${e.code}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

export interface ActionProps<T> {
  /** data-action: what the e2e tests and styles find it by */
  name: string;
  label: string;
  /** the label while the request is out (default "label…") */
  pendingLabel?: string;
  /** asks this first (a destructive action) */
  confirm?: string;
  danger?: boolean;
  title?: string;
  run: () => Promise<T>;
  onDone: (answer: T) => void;
}

export function ActionButton<T>({ name, label, pendingLabel, confirm, danger, title, run, onDone }: ActionProps<T>) {
  const [state, setState] = useState<'idle' | 'confirm' | 'pending'>('idle');
  const [error, setError] = useState<unknown>(undefined);
  const mounted = useRef(true);
  const yes = useRef<HTMLButtonElement>(null);
  const main = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  useEffect(() => () => void (mounted.current = false), []);
  useEffect(() => {
    if (state === 'confirm') yes.current?.focus();
    else if (refocus.current) {
      refocus.current = false;
      main.current?.focus();
    }
  }, [state]);
  const go = async () => {
    setState('pending');
    setError(undefined);
    refocus.current = true;
    try {
      const answer = await run();
      if (!mounted.current) return;
      setState('idle');
      onDone(answer);
    } catch (e) {
      if (!mounted.current) return;
      setState('idle');
      setError(e);
    }
  };
  const cancel = () => {
    refocus.current = true;
    setState('idle');
  };
  const cls = danger ? 'danger' : '';
  return (
    <span class="action" data-action={name} data-state={state}>
      {state === 'confirm' ? (
        <span
          class="confirm"
          role="group"
          aria-label={confirm}
          onKeyDown={(e) => {
            if (e.key !== 'Escape') return;
            e.stopPropagation();
            cancel();
          }}
        >
          <span class="confirm-text">{confirm}</span>{' '}
          <button type="button" ref={yes} class={cls + ' confirm-yes'} onClick={go}>
            {label}
          </button>{' '}
          <button type="button" class="confirm-no" onClick={cancel}>
            Cancel
          </button>
        </span>
      ) : (
        <button
          type="button"
          ref={main}
          class={cls}
          title={title}
          disabled={state === 'pending'}
          aria-busy={state === 'pending' ? 'true' : undefined}
          onClick={() => (confirm ? (setError(undefined), setState('confirm')) : go())}
        >
          {state === 'pending' ? pendingLabel || label + '…' : label}
        </button>
      )}
      {error !== undefined ? (
        <span class="action-error" role="alert">
          {errorText(error)}
        </span>
      ) : null}
    </span>
  );
}

/** Disable (asks first) / Enable of a published pipeline, an endpoint or a schedule. */
export function ActiveToggle<T>({
  status,
  what,
  consequence,
  set,
  onDone,
  labels = ['Enable', 'Disable'],
}: {
  status: PublishedStatus;
  /** "published pipeline nightly-report 1.0" */
  what: string;
  /** what disabling stops, for the confirm */
  consequence: string;
  set: (active: boolean) => Promise<T>;
  onDone: (answer: T) => void;
  /** [enable, disable] */
  labels?: [string, string];
}) {
  const active = status === 'Active';
  const [on, off] = labels;
  return active ? (
    <ActionButton name="disable" label={off} pendingLabel={off.replace(/e?$/, 'ing…')} danger confirm={`${off} ${what}? ${consequence}`} run={() => set(false)} onDone={onDone} />
  ) : (
    <ActionButton name="enable" label={on} pendingLabel={on.replace(/e?$/, 'ing…')} run={() => set(true)} onDone={onDone} />
  );
}
