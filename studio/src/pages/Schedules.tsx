// Schedules (recurrence, cron, data change): each with its kind, status, the pipeline it runs,
// its next firing (in this browser's local time and on the schedule's own clock), the runs it
// started (they carry the tag azureml.schedule=ID) and its firings (why each fired, and the
// ones that could not submit). Disable / Enable buttons (components/Action.tsx) change its
// status; the page then shows the server's answer (its status and next firing).
import { api, type PipelineEndpoint, type PublishedPipeline, type Schedule } from '../lib/api';
import { ago, time } from '../lib/format';
import { href } from '../lib/router';
import { Empty, ErrorBox, KV, Loading, StatusBadge, useLoad } from '../components/common';
import { ActiveBadge, TaggedRuns } from './Published';
import { ActiveToggle } from '../components/Action';

const KIND: Record<Schedule['trigger_type'], string> = { recurrence: 'recurrence', cron: 'cron', data_change: 'data change' };

/** "every 1 Minute", "cron 0 3 * * *", "on new files in workspaceblobstore:incoming". */
export function triggerText(s: Schedule): string {
  const t = s.trigger as Record<string, unknown>;
  if (s.trigger_type === 'recurrence') {
    let out = `every ${t.interval ?? 1} ${t.frequency ?? ''}`;
    const hours = t.hours as number[] | undefined;
    const minutes = t.minutes as number[] | undefined;
    const days = t.week_days as string[] | undefined;
    if (days?.length) out += ' on ' + days.join(', ');
    if (hours?.length) out += ' at ' + hours.map((h) => (minutes?.length ? minutes.map((m) => `${h}:${String(m).padStart(2, '0')}`).join(', ') : `${h}h`)).join(', ');
    return out;
  }
  if (s.trigger_type === 'cron') return `cron ${t.expression ?? ''}`;
  return `on new or changed files in ${t.datastore ?? ''}:${t.path_on_datastore ?? ''}` + (t.polling_interval ? ` (polled every ${t.polling_interval} min)` : '');
}

/** The next firing as this browser's local time, and on the schedule's clock when that differs. */
export function NextFiring({ s, now = Date.now() }: { s: Schedule; now?: number }) {
  if (s.trigger_type === 'data_change')
    return (
      <span class="next-firing muted" data-next={s.next_run_time || ''}>
        when data changes{s.status === 'Active' && s.next_run_time ? ` (next look ${time(s.next_run_time)})` : ''}
      </span>
    );
  if (!s.next_run_time) return <span class="muted">{s.status === 'Active' ? 'none (past its end time)' : 'none (disabled)'}</span>;
  const ms = Date.parse(s.next_run_time) - now;
  const zoneLocal = s.next_run_time_local ? s.next_run_time_local.replace('T', ' ') : '';
  return (
    <span class="next-firing" data-next={s.next_run_time}>
      <span class="local" title={`this browser's time (UTC ${s.next_run_time})`}>
        {time(s.next_run_time)}
      </span>{' '}
      <span class="muted small">{ms > 0 ? `(in ${inText(ms)})` : '(due)'}</span>
      {zoneLocal ? (
        <span class="zone small" data-zone={s.time_zone} title={`on the schedule's clock (${s.time_zone})`}>
          {zoneLocal} {s.time_zone}
        </span>
      ) : null}
    </span>
  );
}

function inText(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.round(s / 60) + ' min';
  if (s < 86400 * 2) return Math.round(s / 3600) + ' h';
  return Math.round(s / 86400) + ' d';
}

/** Names of the published pipelines and endpoints a schedule can target. */
interface Names { pipelines: Map<string, PublishedPipeline>; endpoints: Map<string, PipelineEndpoint> }
const loadNames = (signal: AbortSignal): Promise<Names> =>
  Promise.all([api.pipelines(signal), api.endpoints(signal)]).then(([p, e]) => ({
    pipelines: new Map(p.map((x) => [x.id, x])),
    // by id and by name: a target names the endpoint either way
    endpoints: new Map(e.flatMap((x) => [[x.id, x] as const, [x.name, x] as const])),
  }));

/** Disable / Enable of a schedule; `onDone` gets the server's answer. */
function ScheduleToggle({ s, onDone }: { s: Schedule; onDone: (answer: Schedule) => void }) {
  return (
    <ActiveToggle
      status={s.status}
      what={`schedule ${s.display_name || s.name}`}
      consequence="It does not fire until it is enabled again."
      set={(active) => api.setScheduleActive(s.id, active)}
      onDone={onDone}
    />
  );
}

function Target({ s, names }: { s: Schedule; names: Names }) {
  const t = s.target;
  switch (t.type) {
    case 'published_pipeline': {
      const p = names.pipelines.get(t.pipeline_id || '');
      return (
        <span>
          published pipeline{' '}
          <a href={href.published(t.pipeline_id || '')} class="target-link">
            {p ? p.name : (t.pipeline_id || '').slice(0, 8)}
          </a>
          {p?.version ? ` ${p.version}` : ''}
        </span>
      );
    }
    case 'pipeline_endpoint': {
      const e = names.endpoints.get(t.endpoint_id || '');
      return (
        <span>
          endpoint{' '}
          <a href={href.endpoints(e ? e.name : t.endpoint_id || '')} class="target-link">
            {e ? e.name : t.endpoint_id}
          </a>
          {t.version ? ` version ${t.version}` : ` (default version${e ? ' ' + e.default_version : ''})`}
        </span>
      );
    }
    case 'pipeline_file':
      return <span class="mono">{t.path}</span>;
    default:
      return <span class="muted">an inline pipeline job</span>;
  }
}

export function SchedulesPage({ id }: { id?: string }) {
  return (
    <section class="page schedules-page">
      <header class="page-head">
        <h1>
          <a href={href.schedules()}>Schedules</a>
          {id ? ' / ' + id : ''}
        </h1>
      </header>
      {id ? <ScheduleDetail id={id} /> : <ScheduleList />}
    </section>
  );
}

function ScheduleList() {
  const x = useLoad((s) => Promise.all([api.schedules(s), loadNames(s)]), []);
  if (x.error) return <ErrorBox error={x.error} what="schedules" />;
  if (!x.data) return <Loading what="schedules" />;
  const [schedules, names] = x.data;
  if (!schedules.length)
    return (
      <Empty>
        No schedules yet: <code>runnel schedule create -f schedule.yml</code>, or the SDK's <code>Schedule.create()</code>.
      </Empty>
    );
  return (
    <table class="grid schedule-list">
      <thead>
        <tr>
          <th>Name</th>
          <th>Kind</th>
          <th>Trigger</th>
          <th>Status</th>
          <th>Pipeline</th>
          <th>Next firing</th>
          <th>Last run</th>
          <th>
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {schedules.map((s) => {
          const last = [...s.runs].reverse().find((r) => r.run_id);
          return (
            <tr key={s.id} data-schedule={s.name} data-kind={s.trigger_type} data-status={s.status}>
              <td>
                <a href={href.schedules(s.id)}>{s.display_name || s.name}</a>
              </td>
              <td>{KIND[s.trigger_type]}</td>
              <td class="small">{triggerText(s)}</td>
              <td>
                <ActiveBadge status={s.status} />
              </td>
              <td>
                <Target s={s} names={names} />
              </td>
              <td>
                <NextFiring s={s} />
              </td>
              <td>
                {last?.run_id ? (
                  <>
                    <a href={href.run(last.run_id)} class="mono small">
                      {last.run_id}
                    </a>{' '}
                    <StatusBadge status={last.status} />
                  </>
                ) : (
                  <span class="muted">none yet</span>
                )}
              </td>
              <td class="actions">
                <ScheduleToggle s={s} onDone={(a) => x.set([schedules.map((y) => (y.id === a.id ? a : y)), names])} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ScheduleDetail({ id }: { id: string }) {
  const x = useLoad((s) => Promise.all([api.schedule(id, s), loadNames(s)]), [id]);
  if (x.error) return <ErrorBox error={x.error} what="schedule" />;
  if (!x.data) return <Loading what="the schedule" />;
  const [s, names] = x.data;
  const runs = [...s.runs].reverse(); // newest first
  return (
    <div class="schedule-detail" data-schedule={s.name} data-status={s.status}>
      <h2>
        {s.display_name || s.name} <ActiveBadge status={s.status} />
      </h2>
      <div class="head-actions">
        <ScheduleToggle s={s} onDone={(a) => x.set([a, names])} />
      </div>
      {s.description ? <p>{s.description}</p> : null}
      <KV
        rows={[
          ['Id', <span class="mono">{s.id}</span>],
          ['Kind', KIND[s.trigger_type]],
          ['Trigger', triggerText(s)],
          ['Pipeline', <Target s={s} names={names} />],
          ['Experiment', s.experiment_name],
          ['Next firing', <NextFiring s={s} />],
          ['Time zone', s.time_zone],
          ['Parameters', s.pipeline_parameters && Object.keys(s.pipeline_parameters).length ? <span class="mono">{JSON.stringify(s.pipeline_parameters)}</span> : null],
          ['Created', time(s.created)],
          ['Last error', s.last_error ? <span class="err">{s.last_error}</span> : null],
        ]}
      />
      <h3>Runs it started</h3>
      <TaggedRuns tag={'azureml.schedule=' + s.id} what="started by this schedule" />
      <h3>Firings</h3>
      {runs.length ? (
        <table class="grid small schedule-runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Status</th>
              <th>Why it fired</th>
              <th>Scheduled for</th>
              <th>Fired</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => (
              <tr key={r.run_id || 'x' + i} data-run={r.run_id || ''} data-status={r.status || ''}>
                <td>
                  {r.run_id ? (
                    <a href={href.run(r.run_id)} class="mono">
                      {r.run_id}
                    </a>
                  ) : (
                    <span class="err">not submitted: {r.error}</span>
                  )}
                </td>
                <td>{r.status ? <StatusBadge status={r.status} /> : null}</td>
                <td>
                  {r.reason.replace('_', ' ')}
                  {r.missed ? ` (${r.missed} missed)` : ''}
                  {r.data_path ? <span class="mono small"> {r.data_path}</span> : null}
                </td>
                <td>{time(r.scheduled_for)}</td>
                <td title={time(r.fired)}>{ago(r.fired)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No firings yet{s.next_run_time ? `; the first fires at ${time(s.next_run_time)}` : ''}.</Empty>
      )}
    </div>
  );
}
