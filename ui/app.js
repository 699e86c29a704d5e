import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, ApiError, followRun, session } from './api.js';

const STATUSES = ['queued', 'running', 'completed'];
const OUTCOMES = ['pending', 'succeeded', 'partially_succeeded', 'failed', 'skipped', 'cancelled'];
const words = (value) => value.replaceAll('_', ' ');

function formatTime(value) {
  return value ? new Date(value).toLocaleString() : '—';
}

function formatDuration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 100) / 10;
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** The route is the location hash: `#/` the list, `#/runs/<id>` one run. */
function useRoute() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  const match = /^#\/runs\/([^/]+)$/.exec(hash);
  return match ? { run: decodeURIComponent(match[1]) } : { run: null };
}

function Badge({ kind, value }) {
  const data = { [`data-${kind}`]: value };
  return html`<span class="badge ${kind}-${value}" ...${data}>${words(value)}</span>`;
}

function Alert({ error }) {
  return error ? html`<p class="alert" role="alert">${error}</p>` : null;
}

function SignIn({ onSignedIn, notice }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api('/me', token.trim());
      session.token = token.trim();
      onSignedIn(me);
    } catch (error) {
      setError(
        error instanceof ApiError && error.status === 401
          ? 'That token was refused: it is unknown, expired or revoked. Check it and try again.'
          : error.message,
      );
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main id="main" class="sign-in">
      <h1>TenantOps operations</h1>
      <p>Sign in with one of your personal API tokens. It is kept in this tab only.</p>
      <form onSubmit=${submit}>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck=${false}
          required
          placeholder="tops_…"
          value=${token}
          onInput=${(e) => setToken(e.currentTarget.value)}
        />
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <${Alert} error=${error} />
    </main>
  `;
}

const EMPTY_FILTERS = {
  type: '',
  status: '',
  outcome: '',
  tenantId: '',
  initiator: '',
  createdFrom: '',
  createdTo: '',
};

function query(filters, me, cursor) {
  const params = new URLSearchParams();
  for (const key of ['type', 'status', 'outcome', 'tenantId']) {
    if (filters[key]) params.set(key, filters[key]);
  }
  if (filters.initiator === 'me') params.set('initiatorId', me.user.id);
  for (const key of ['createdFrom', 'createdTo']) {
    if (filters[key]) params.set(key, new Date(filters[key]).toISOString());
  }
  params.set('limit', '25');
  if (cursor) params.set('cursor', cursor);
  return `/operations?${params}`;
}

function Select({ id, label, value, onChange, options }) {
  return html`
    <div class="field">
      <label for=${id}>${label}</label>
      <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
        ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
      </select>
    </div>
  `;
}

function RunList({ me, catalog }) {
  const [draft, setDraft] = useState(EMPTY_FILTERS);
  const [filters, setFilters] = useState(EMPTY_FILTERS);
  const [page, setPage] = useState({ items: [], nextCursor: null, loaded: false });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = async (cursor) => {
    setBusy(true);
    setError(null);
    try {
      const next = await api(query(filters, me, cursor));
      setPage((previous) => ({
        items: cursor ? [...previous.items, ...next.items] : next.items,
        nextCursor: next.nextCursor,
        loaded: true,
      }));
    } catch (error) {
      setError(error.message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(null), [filters]);

  const set = (key) => (value) => setDraft({ ...draft, [key]: value });
  const submit = (event) => {
    event.preventDefault();
    setFilters({ ...draft });
  };
  const reset = () => {
    setDraft(EMPTY_FILTERS);
    setFilters(EMPTY_FILTERS);
  };

  return html`
    <section aria-labelledby="runs-heading">
      <h2 id="runs-heading">Runs</h2>
      <form class="filters" onSubmit=${submit} aria-label="Filter runs">
        <${Select}
          id="filter-type"
          label="Type"
          value=${draft.type}
          onChange=${set('type')}
          options=${[['', 'Any type'], ...catalog.types.map((t) => [t.type, t.label])]}
        />
        <${Select}
          id="filter-status"
          label="Status"
          value=${draft.status}
          onChange=${set('status')}
          options=${[['', 'Any status'], ...STATUSES.map((s) => [s, words(s)])]}
        />
        <${Select}
          id="filter-outcome"
          label="Outcome"
          value=${draft.outcome}
          onChange=${set('outcome')}
          options=${[['', 'Any outcome'], ...OUTCOMES.map((o) => [o, words(o)])]}
        />
        <${Select}
          id="filter-tenant"
          label="Tenant"
          value=${draft.tenantId}
          onChange=${set('tenantId')}
          options=${[['', 'Any tenant'], ...catalog.tenants.map((t) => [t.id, t.displayName])]}
        />
        <${Select}
          id="filter-initiator"
          label="Started by"
          value=${draft.initiator}
          onChange=${set('initiator')}
          options=${[
            ['', 'Anyone'],
            ['me', 'Me'],
          ]}
        />
        <div class="field">
          <label for="filter-from">Created from</label>
          <input
            id="filter-from"
            type="datetime-local"
            value=${draft.createdFrom}
            onInput=${(e) => set('createdFrom')(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="filter-to">Created before</label>
          <input
            id="filter-to"
            type="datetime-local"
            value=${draft.createdTo}
            onInput=${(e) => set('createdTo')(e.currentTarget.value)}
          />
        </div>
        <div class="actions">
          <button type="submit">Apply filters</button>
          <button type="button" class="secondary" onClick=${reset}>Clear</button>
        </div>
      </form>
      <${Alert} error=${error} />
      ${
        page.loaded && page.items.length === 0
          ? html`<p class="empty" role="status">No runs match these filters.</p>`
          : null
      }
      ${
        page.items.length > 0
          ? html`<table class="runs">
              <caption class="visually-hidden">
                Runs, newest first
              </caption>
              <thead>
                <tr>
                  <th scope="col">Run</th>
                  <th scope="col">Tenant</th>
                  <th scope="col">Status</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Started by</th>
                  <th scope="col">Created</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                ${page.items.map(
                  (run) =>
                    html`<tr key=${run.id} data-run-id=${run.id}>
                      <td><a href="#/runs/${run.id}">${catalog.label(run.type)}</a></td>
                      <td>${catalog.tenantName(run.tenantId)}</td>
                      <td><${Badge} kind="status" value=${run.status} /></td>
                      <td><${Badge} kind="outcome" value=${run.outcome} /></td>
                      <td>${run.initiator?.name ?? 'System'}</td>
                      <td>${formatTime(run.createdAt)}</td>
                      <td>${formatDuration(run.durationMs)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : null
      }
      ${
        page.nextCursor
          ? html`<button
              type="button"
              class="more"
              disabled=${busy}
              onClick=${() => load(page.nextCursor)}
            >
              ${busy ? 'Loading…' : 'Load more'}
            </button>`
          : null
      }
    </section>
  `;
}

/** What happened to the run, from its own timestamps (so it reads the same live or later). */
function timelineOf(run) {
  const entries = [`${formatTime(run.createdAt)}: created, queued`];
  if (run.startedAt) entries.push(`${formatTime(run.startedAt)}: started`);
  if (run.attempts > 1) entries.push(`attempt ${run.attempts} (retried)`);
  if (run.status === 'running') entries.push('running now');
  if (run.completedAt) {
    entries.push(`${formatTime(run.completedAt)}: completed (${words(run.outcome)})`);
  }
  return entries;
}

function RunDetail({ id, catalog }) {
  const [run, setRun] = useState(null);
  const [error, setError] = useState(null);
  const heading = useRef(null);

  useEffect(() => {
    const controller = new AbortController();
    setRun(null);
    setError(null);
    followRun(id, {
      onRun: setRun,
      onError: (error) => setError(error.message),
      signal: controller.signal,
    });
    return () => controller.abort();
  }, [id]);
  useEffect(() => heading.current?.focus(), [run !== null]);

  const counts = run ? Object.entries(run.summaryCounts) : [];
  const context = run ? Object.entries(run.context) : [];
  return html`
    <section aria-labelledby="run-heading" class="detail">
      <p><a href="#/">← All runs</a></p>
      <${Alert} error=${error} />
      ${
        run
          ? html`
              <h2 id="run-heading" tabindex="-1" ref=${heading}>${catalog.label(run.type)}</h2>
              <p class="badges" aria-live="polite">
                <span class="visually-hidden">Status </span
                ><${Badge} kind="status" value=${run.status} />
                <span class="visually-hidden"> outcome </span
                ><${Badge} kind="outcome" value=${run.outcome} />
                ${run.status !== 'completed' ? html`<span class="live">Live</span>` : null}
              </p>
              <dl class="facts">
                <dt>Run id</dt>
                <dd><code>${run.id}</code></dd>
                <dt>Tenant</dt>
                <dd>${catalog.tenantName(run.tenantId)}</dd>
                <dt>Started by</dt>
                <dd>${run.initiator?.name ?? 'System'}</dd>
                <dt>Created</dt>
                <dd>${formatTime(run.createdAt)}</dd>
                <dt>Started</dt>
                <dd>${formatTime(run.startedAt)}</dd>
                <dt>Completed</dt>
                <dd>${formatTime(run.completedAt)}</dd>
                <dt>Duration</dt>
                <dd>${formatDuration(run.durationMs)}</dd>
                <dt>Attempts</dt>
                <dd>${run.attempts}</dd>
              </dl>
              <h3>Counts</h3>
              ${
                counts.length
                  ? html`<table class="counts">
                      <thead>
                        <tr>
                          <th scope="col">Counter</th>
                          <th scope="col">Value</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${counts.map(
                          ([name, value]) =>
                            html`<tr>
                              <th scope="row">${words(name)}</th>
                              <td data-count=${name}>${value}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>`
                  : html`<p>No counts yet.</p>`
              }
              <h3>Failures</h3>
              ${
                run.failures.length
                  ? html`<ul class="failures">
                      ${run.failures.map((f) => html`<li><code>${f.code}</code> ${f.message}</li>`)}
                    </ul>`
                  : html`<p>None.</p>`
              }
              <h3>Context</h3>
              <dl class="facts">
                ${context.map(
                  ([key, value]) =>
                    html`<dt>${key}</dt>
                      <dd>
                        <code>${typeof value === 'string' ? value : JSON.stringify(value)}</code>
                      </dd>`,
                )}
              </dl>
              <h3>Timeline</h3>
              <ol class="timeline">
                ${timelineOf(run).map((entry) => html`<li>${entry}</li>`)}
              </ol>
            `
          : error
            ? null
            : html`<p role="status">Loading the run…</p>`
      }
    </section>
  `;
}

/** What the lists need to show names rather than ids: the run types and the caller's tenants. */
async function loadCatalog(me) {
  const [types, ...tenantLists] = await Promise.all([
    api('/operations/types'),
    ...me.memberships.map((m) =>
      api(`/workspaces/${m.workspaceId}/tenants`).catch(() => ({ items: [] })),
    ),
  ]);
  const tenants = tenantLists.flatMap((list) => list.items);
  const labels = new Map(types.items.map((t) => [t.type, t.label]));
  const names = new Map(tenants.map((t) => [t.id, t.displayName]));
  return {
    types: types.items,
    tenants,
    label: (type) => labels.get(type) ?? words(type),
    tenantName: (id) => (id ? (names.get(id) ?? 'A former tenant') : 'Whole workspace'),
  };
}

function App() {
  const [me, setMe] = useState(null);
  const [catalog, setCatalog] = useState(null);
  const [notice, setNotice] = useState(null);
  const [checking, setChecking] = useState(Boolean(session.token));
  const route = useRoute();

  const signOut = (message = null) => {
    session.token = null;
    setMe(null);
    setCatalog(null);
    setNotice(message);
  };
  useEffect(() => {
    if (!session.token) return;
    api('/me')
      .then(setMe, () => signOut('Your session ended: sign in again.'))
      .finally(() => setChecking(false));
  }, []);
  useEffect(() => {
    if (me) loadCatalog(me).then(setCatalog, (error) => setNotice(error.message));
  }, [me]);
  useEffect(() => {
    document.title = route.run ? 'Run · TenantOps' : 'Operations · TenantOps';
  }, [route.run]);

  if (checking) return html`<p class="loading">Loading…</p>`;
  if (!me) return html`<${SignIn} onSignedIn=${setMe} notice=${notice} />`;
  return html`
    <header>
      <p class="brand">TenantOps · Operations</p>
      <p class="who">
        Signed in as <strong>${me.user.name}</strong>
        <button type="button" class="secondary" onClick=${() => signOut()}>Sign out</button>
      </p>
    </header>
    <main id="main">
      <h1 class="visually-hidden">Operations</h1>
      ${
        !catalog
          ? html`<p role="status">Loading…</p>`
          : route.run
            ? html`<${RunDetail} id=${route.run} catalog=${catalog} />`
            : html`<${RunList} me=${me} catalog=${catalog} />`
      }
    </main>
  `;
}

const root = document.getElementById('app');
root.replaceChildren();
render(html`<${App} />`, root);
