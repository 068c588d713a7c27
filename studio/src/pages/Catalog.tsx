// Experiments, datasets, environments and compute targets.
import { api } from '../lib/api';
import { ago, bytes, time, valueText } from '../lib/format';
import { href } from '../lib/router';
import { Empty, ErrorBox, KV, Loading, StatusBadge, Tags, useLoad } from '../components/common';

export function ExperimentsPage() {
  const x = useLoad((s) => api.experiments(s), []);
  return (
    <section class="page">
      <header class="page-head">
        <h1>Experiments</h1>
      </header>
      {x.error ? <ErrorBox error={x.error} what="experiments" /> : null}
      {!x.data && !x.error ? <Loading /> : null}
      {x.data && !x.data.length ? <Empty>No experiments yet.</Empty> : null}
      {x.data?.length ? (
        <table class="grid">
          <thead>
            <tr>
              <th>Experiment</th>
              <th>Runs</th>
              <th>Last run</th>
              <th>Last status</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {x.data.map((e) => (
              <tr key={e.name}>
                <td>
                  <a href={href.runs({ experiment: e.name })}>{e.name}</a>
                </td>
                <td class="num">{e.run_count}</td>
                <td>{e.last_run_id ? <a href={href.run(e.last_run_id)} class="mono">{e.last_run_id}</a> : null}</td>
                <td>{e.last_status ? <StatusBadge status={e.last_status} /> : null}</td>
                <td title={time(e.last_created)}>{ago(e.last_created)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function DatasetsPage({ name, version }: { name?: string; version?: string }) {
  const list = useLoad((s) => api.datasets(s), []);
  return (
    <section class="page datasets-page">
      <header class="page-head">
        <h1>
          <a href={href.datasets()}>Datasets</a>
          {name ? ' / ' + name : ''}
        </h1>
      </header>
      {name ? (
        <Dataset name={name} version={version} />
      ) : (
        <>
          {list.error ? <ErrorBox error={list.error} what="datasets" /> : null}
          {!list.data && !list.error ? <Loading /> : null}
          {list.data && !list.data.length ? <Empty>No registered datasets (`runnel dataset register NAME --tabular FILE`).</Empty> : null}
          {list.data?.length ? (
            <table class="grid">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Latest version</th>
                  <th>Kind</th>
                  <th>Files</th>
                  <th>Size</th>
                  <th>Registered</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {list.data.map((d) => (
                  <tr key={d.name}>
                    <td>
                      <a href={href.datasets(d.name)}>{d.name}</a>
                    </td>
                    <td class="num">{d.version}</td>
                    <td>{d.kind}</td>
                    <td class="num">{d.file_count}</td>
                    <td class="num">{bytes(d.total_bytes)}</td>
                    <td title={time(d.created)}>{ago(d.created)}</td>
                    <td>{d.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </section>
  );
}

function Dataset({ name, version }: { name: string; version?: string }) {
  const versions = useLoad((s) => api.datasetVersions(name, s), [name]);
  const v = version || 'latest';
  const one = useLoad((s) => api.datasetVersion(name, v, s), [name, v]);
  const preview = useLoad((s) => api.datasetPreview(name, v, 20, s), [name, v]);
  return (
    <div class="dataset">
      {versions.data ? (
        <nav class="versions" aria-label="versions">
          Versions:{' '}
          {versions.data.map((x) => (
            <a key={x.version} href={href.datasets(name, x.version)} class={String(x.version) === String(one.data?.version) ? 'active' : ''}>
              v{x.version}
            </a>
          ))}
        </nav>
      ) : null}
      {one.error ? <ErrorBox error={one.error} what={`dataset ${name}`} /> : null}
      {one.data ? (
        <KV
          rows={[
            ['Version', String(one.data.version)],
            ['Kind', one.data.kind],
            ['Description', one.data.description],
            ['Digest', <span class="mono small">{one.data.digest}</span>],
            ['Files', String(one.data.file_count ?? one.data.files?.length ?? '')],
            ['Size', bytes(one.data.total_bytes)],
            ['Registered', time(one.data.created)],
            ['Tags', <Tags tags={one.data.tags} />],
            ['Definition', one.data.definition ? <pre class="small">{JSON.stringify(one.data.definition, null, 2)}</pre> : null],
          ]}
        />
      ) : null}
      <h2>Preview</h2>
      {preview.error ? <ErrorBox error={preview.error} what="preview" /> : null}
      {preview.data?.columns?.length ? (
        <div class="table-scroll">
          <table class="grid small">
            <thead>
              <tr>
                {preview.data.columns.map((c) => (
                  <th key={c.name}>
                    {c.name}
                    <div class="muted small">{c.type}</div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {(preview.data.rows || []).map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (
                    <td key={j}>{valueText(c)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {preview.data?.files?.length ? (
        <ul class="mono small">
          {preview.data.files.map((f) => (
            <li key={f}>{f}</li>
          ))}
        </ul>
      ) : null}
      {one.data?.files?.length ? (
        <>
          <h2>Manifest</h2>
          <table class="grid small">
            <thead>
              <tr>
                <th>Path</th>
                <th>Size</th>
                <th>Digest</th>
              </tr>
            </thead>
            <tbody>
              {one.data.files.slice(0, 1000).map((f) => (
                <tr key={f.path}>
                  <td class="mono">{f.path}</td>
                  <td class="num">{bytes(f.size)}</td>
                  <td class="mono small">{f.digest?.slice(0, 16)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}

export function EnvironmentsPage() {
  const x = useLoad((s) => api.environments(s), []);
  return (
    <section class="page">
      <header class="page-head">
        <h1>Environments</h1>
      </header>
      {x.error ? <ErrorBox error={x.error} what="environments" /> : null}
      {!x.data && !x.error ? <Loading /> : null}
      {x.data && !x.data.length ? <Empty>No registered environments (`runnel env create NAME --python PATH`).</Empty> : null}
      {x.data?.length ? (
        <table class="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>Version</th>
              <th>Python</th>
              <th>Variables</th>
              <th>Created</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {x.data.map((e) => (
              <tr key={e.name}>
                <td>{e.name}</td>
                <td class="num">{e.version}</td>
                <td class="mono">{e.python}</td>
                <td>
                  <Tags tags={e.variables} />
                </td>
                <td title={time(e.created)}>{ago(e.created)}</td>
                <td>{e.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

export function ComputesPage({ name }: { name?: string }) {
  const x = useLoad((s) => api.computes(s), []);
  return (
    <section class="page">
      <header class="page-head">
        <h1>
          <a href={href.computes()}>Compute</a>
          {name ? ' / ' + name : ''}
        </h1>
      </header>
      {name ? <ComputeDetail name={name} /> : null}
      {x.error ? <ErrorBox error={x.error} what="compute targets" /> : null}
      {!x.data && !x.error ? <Loading /> : null}
      {x.data?.length && !name ? (
        <table class="grid">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Settings</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {x.data.map((c) => (
              <tr key={c.name}>
                <td>
                  <a href={href.computes(c.name)}>{c.name}</a>
                </td>
                <td>{c.type}</td>
                <td class="mono small">{c.config ? Object.entries(c.config).map(([k, v]) => `${k}=${valueText(v)}`).join('  ') : ''}</td>
                <td title={time(c.created)}>{ago(c.created)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function ComputeDetail({ name }: { name: string }) {
  const c = useLoad((s) => api.compute(name, s), [name]);
  if (c.error) return <ErrorBox error={c.error} what={`compute ${name}`} />;
  if (!c.data) return <Loading />;
  const d = c.data;
  const extra = Object.entries(d).filter(([k]) => !['name', 'type', 'config', 'created', 'state', 'message', 'running_steps', 'queued_steps'].includes(k));
  return (
    <div>
      <KV
        rows={[
          ['Type', d.type],
          ['State', d.state ? <span class={'badge ' + (d.state === 'ok' ? 'st-Finished' : d.state === 'unavailable' ? 'st-Failed' : 'st-NotStarted')}>{d.state}</span> : null],
          ['Message', d.message],
          ['Running steps', d.running_steps !== undefined ? String(d.running_steps) : null],
          ['Queued steps', d.queued_steps !== undefined ? String(d.queued_steps) : null],
          ['Created', time(d.created)],
          ...(d.config ? Object.entries(d.config).map(([k, v]) => [k, valueText(v)] as [string, string]) : []),
          ...extra.map(([k, v]) => [k, typeof v === 'object' ? <pre class="small">{JSON.stringify(v, null, 2)}</pre> : valueText(v)] as [string, preact.ComponentChildren]),
        ]}
      />
    </div>
  );
}
