// Published pipelines and pipeline endpoints (the SDK's PublishedPipeline and
// PipelineEndpoint): the list, one pipeline's parameters, steps and runs, one endpoint's
// versions (the default marked) and the runs submitted through it. Runs are found by the tags
// every published submit carries (azureml.pipelineid, azureml.pipelineEndpointId). Buttons
// disable / enable a pipeline, archive / reactivate an endpoint and set its default version
// (components/Action.tsx); the page then shows the server's answer.
import { api, type PipelineEndpoint, type PublishedPipeline } from '../lib/api';
import { ago, duration, time, valueText } from '../lib/format';
import { href } from '../lib/router';
import { Empty, ErrorBox, KV, Loading, StatusBadge, useLoad } from '../components/common';
import { ActionButton, ActiveToggle } from '../components/Action';

/** Active / Disabled of a published pipeline, endpoint or schedule. */
export function ActiveBadge({ status }: { status: string }) {
  return (
    <span class={'badge ' + (status === 'Active' ? 'st-Finished' : 'st-Canceled')} data-status={status}>
      {status === 'Active' ? 'active' : 'disabled'}
    </span>
  );
}

/** Disable / Enable of a published pipeline; `onDone` gets the server's answer. */
function PipelineToggle({ p, onDone }: { p: PublishedPipeline; onDone: (answer: PublishedPipeline) => void }) {
  return (
    <ActiveToggle
      status={p.status}
      what={`published pipeline ${p.name}${p.version ? ' ' + p.version : ''}`}
      consequence="Its REST endpoint and the schedules and endpoint versions on it refuse to submit until it is enabled again."
      set={(active) => api.setPipelineActive(p.id, active)}
      onDone={onDone}
    />
  );
}

/** A parameter default: a literal as text, a datastore path or a dataset as a reference. */
export function defaultText(d: unknown): string {
  if (d && typeof d === 'object') {
    const o = d as Record<string, string>;
    if (o.datastore !== undefined) return `${o.datastore}:${o.path ?? ''}`;
    if (o.dataset !== undefined) return `dataset ${o.dataset}${o.version ? ':' + o.version : ''}`;
    if (o.path !== undefined) return o.path;
  }
  return valueText(d);
}

/** The runs with a tag (newest first, 50), each linked to its run page. */
export function TaggedRuns({ tag, what, versionColumn }: { tag: string; what: string; versionColumn?: boolean }) {
  const runs = useLoad((s) => api.runs({ tag, limit: 50 }, s), [tag]);
  if (runs.error) return <ErrorBox error={runs.error} what="runs" />;
  if (!runs.data) return <Loading what="runs" />;
  if (!runs.data.runs.length) return <Empty>No runs {what} yet.</Empty>;
  return (
    <>
      <table class="grid runs-of" data-total={runs.data.total}>
        <thead>
          <tr>
            <th>Run</th>
            <th>Experiment</th>
            {versionColumn ? <th>Version</th> : null}
            <th>Status</th>
            <th>Created</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {runs.data.runs.map((r) => (
            <tr key={r.run_id} data-run={r.run_id} data-status={r.status}>
              <td>
                <a href={href.run(r.run_id)} class="mono">
                  {r.run_id}
                </a>
              </td>
              <td>{r.experiment}</td>
              {versionColumn ? <td class="num">{r.tags?.['azureml.pipelineVersion'] ?? ''}</td> : null}
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td title={time(r.created)}>{ago(r.created)}</td>
              <td class="num">{duration(r.duration_s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data.total > runs.data.runs.length ? (
        <p class="small">
          {runs.data.runs.length} of {runs.data.total} · <a href={href.runs({ tag })}>all of them on the runs page</a>
        </p>
      ) : null}
    </>
  );
}

export function PublishedPage({ id }: { id?: string }) {
  return (
    <section class="page published-page">
      <header class="page-head">
        <h1>
          <a href={href.published()}>Published pipelines</a>
          {id ? ' / ' : ''}
          {id ? <span class="mono">{id.slice(0, 8)}</span> : null}
        </h1>
      </header>
      {id ? <PublishedDetail id={id} /> : <PublishedList />}
    </section>
  );
}

function PublishedList() {
  const list = useLoad((s) => api.pipelines(s), []);
  if (list.error) return <ErrorBox error={list.error} what="published pipelines" />;
  if (!list.data) return <Loading what="published pipelines" />;
  if (!list.data.length)
    return (
      <Empty>
        No published pipelines yet: <code>runnel pipeline publish pipeline.yml --name NAME</code>, or the SDK's <code>pipeline.publish()</code>.
      </Empty>
    );
  return (
    <table class="grid published-list">
      <thead>
        <tr>
          <th>Name</th>
          <th>Id</th>
          <th>Description</th>
          <th>Version</th>
          <th>Status</th>
          <th>Created</th>
          <th>Endpoint</th>
          <th>
            <span class="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {list.data.map((p) => (
          <tr key={p.id} data-pipeline={p.id} data-name={p.name}>
            <td>
              <a href={href.published(p.id)}>{p.name}</a>
            </td>
            <td class="mono small" title={p.id}>
              {p.id.slice(0, 8)}
            </td>
            <td>{p.description}</td>
            <td>{p.version}</td>
            <td>
              <ActiveBadge status={p.status} />
            </td>
            <td title={time(p.created)}>{ago(p.created)}</td>
            <td class="mono small endpoint-url">{p.endpoint}</td>
            <td class="actions">
              <PipelineToggle p={p} onDone={(a) => list.set(list.data!.map((x) => (x.id === a.id ? a : x)))} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function PublishedDetail({ id }: { id: string }) {
  const p = useLoad((s) => Promise.all([api.pipeline(id, s), api.endpoints(s)]), [id]);
  if (p.error) return <ErrorBox error={p.error} what="published pipeline" />;
  if (!p.data) return <Loading what="the published pipeline" />;
  const [d, endpoints]: [PublishedPipeline, PipelineEndpoint[]] = p.data;
  const inEndpoints = endpoints.flatMap((e) => e.versions.filter((v) => v.pipeline_id === d.id).map((v) => ({ e, v: v.version })));
  return (
    <div class="published-detail" data-pipeline={d.id}>
      <h2>
        {d.name} <ActiveBadge status={d.status} />
      </h2>
      <div class="head-actions">
        <PipelineToggle p={d} onDone={(a) => p.set([{ ...d, ...a }, endpoints])} />
      </div>
      <KV
        rows={[
          ['Id', <span class="mono">{d.id}</span>],
          ['Description', d.description],
          ['Version', d.version],
          ['Experiment', d.experiment_name],
          ['Created', time(d.created)],
          ['Source', d.source],
          ['Continue on step failure', d.continue_on_step_failure ? 'yes' : 'no'],
          ['REST endpoint', <span class="mono endpoint-url">POST {d.endpoint}</span>],
          [
            'In endpoints',
            inEndpoints.length ? (
              <span class="in-endpoints">
                {inEndpoints.map(({ e, v }, i) => (
                  <>
                    {i ? ', ' : ''}
                    <a href={href.endpoints(e.name)} key={e.id + v}>
                      {e.name}
                    </a>{' '}
                    version {v}
                    {e.default_version === v ? ' (default)' : ''}
                  </>
                ))}
              </span>
            ) : null,
          ],
        ]}
      />
      <h3>Parameters</h3>
      {d.parameters?.length ? (
        <table class="grid small params">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Default</th>
            </tr>
          </thead>
          <tbody>
            {d.parameters.map((x) => (
              <tr key={x.name} data-param={x.name}>
                <td>{x.name}</td>
                <td class="muted">{x.type}</td>
                <td class="mono">{defaultText(x.default)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No parameters.</Empty>
      )}
      <h3>Steps</h3>
      {d.steps?.length ? (
        <ol class="steps-of">
          {d.steps.map((s) => (
            <li key={s} data-step={s} class="mono">
              {s}
            </li>
          ))}
        </ol>
      ) : (
        <Empty>No steps.</Empty>
      )}
      <h3>Runs it started</h3>
      <TaggedRuns tag={'azureml.pipelineid=' + d.id} what="of this published pipeline" />
    </div>
  );
}

export function EndpointsPage({ id }: { id?: string }) {
  return (
    <section class="page endpoints-page">
      <header class="page-head">
        <h1>
          <a href={href.endpoints()}>Pipeline endpoints</a>
          {id ? ' / ' + id : ''}
        </h1>
      </header>
      {id ? <EndpointDetail id={id} /> : <EndpointList />}
    </section>
  );
}

function EndpointList() {
  const list = useLoad((s) => Promise.all([api.endpoints(s), api.pipelines(s)]), []);
  if (list.error) return <ErrorBox error={list.error} what="pipeline endpoints" />;
  if (!list.data) return <Loading what="pipeline endpoints" />;
  const [eps, pipelines] = list.data;
  if (!eps.length)
    return (
      <Empty>
        No pipeline endpoints yet: <code>runnel pipeline endpoint create NAME --pipeline ID</code>, or the SDK's <code>PipelineEndpoint.publish()</code>.
      </Empty>
    );
  const byId = new Map(pipelines.map((p) => [p.id, p]));
  return (
    <div class="endpoint-list">
      {eps.map((e) => (
        <EndpointCard key={e.id} e={e} byId={byId} onChange={(a) => list.set([eps.map((x) => (x.id === a.id ? a : x)), pipelines])} />
      ))}
    </div>
  );
}

function EndpointCard({ e, byId, detail, onChange }: { e: PipelineEndpoint; byId: Map<string, PublishedPipeline>; detail?: boolean; onChange: (answer: PipelineEndpoint) => void }) {
  return (
    <article class="card endpoint" data-endpoint={e.name} data-status={e.status}>
      <h2>
        {detail ? e.name : <a href={href.endpoints(e.name)}>{e.name}</a>} <ActiveBadge status={e.status} />
      </h2>
      <div class="head-actions">
        <ActiveToggle
          status={e.status}
          labels={['Reactivate', 'Archive']}
          what={`pipeline endpoint ${e.name}`}
          consequence="Submits through it (its REST endpoint, schedules on it) are refused until it is reactivated."
          set={(active) => api.updateEndpoint(e.id, { status: active ? 'Active' : 'Disabled' })}
          onDone={onChange}
        />
      </div>
      {e.description ? <p>{e.description}</p> : null}
      <KV
        rows={[
          ['Id', <span class="mono">{e.id}</span>],
          ['Created', time(e.created)],
          ['Default version', <span class="default-version">{e.default_version}</span>],
          ['REST endpoint', <span class="mono endpoint-url">POST {e.endpoint}</span>],
        ]}
      />
      <table class="grid small endpoint-versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Published pipeline</th>
            <th>Pipeline version</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {e.versions.map((v) => {
            const p = byId.get(v.pipeline_id);
            const isDefault = v.version === e.default_version;
            return (
              <tr key={v.version} data-version={v.version} data-default={isDefault ? 'true' : 'false'} class={isDefault ? 'selected' : ''}>
                <td class="num">{v.version}</td>
                <td>
                  <a href={href.published(v.pipeline_id)}>{p ? p.name : v.pipeline_id}</a> <span class="mono small muted">{v.pipeline_id.slice(0, 8)}</span>
                </td>
                <td>{p?.version}</td>
                <td>{p ? <ActiveBadge status={p.status} /> : null}</td>
                <td class="actions">
                  {isDefault ? (
                    <span class="badge st-Running default-mark">default</span>
                  ) : (
                    <ActionButton
                      name="set-default"
                      label="Set default"
                      pendingLabel="Setting…"
                      title={`make version ${v.version} what ${e.name} runs when no version is asked for`}
                      run={() => api.updateEndpoint(e.id, { default_version: v.version })}
                      onDone={onChange}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </article>
  );
}

function EndpointDetail({ id }: { id: string }) {
  const x = useLoad((s) => Promise.all([api.endpoint(id, s), api.pipelines(s)]), [id]);
  if (x.error) return <ErrorBox error={x.error} what="pipeline endpoint" />;
  if (!x.data) return <Loading what="the pipeline endpoint" />;
  const [e, pipelines] = x.data;
  return (
    <div class="endpoint-detail">
      <EndpointCard e={e} byId={new Map(pipelines.map((p) => [p.id, p]))} detail onChange={(a) => x.set([a, pipelines])} />
      <h3>Runs submitted through it</h3>
      <TaggedRuns tag={'azureml.pipelineEndpointId=' + e.id} what="through this endpoint" versionColumn />
    </div>
  );
}
