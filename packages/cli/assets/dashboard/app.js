// Sluice dashboard client: plain JS, no build step. Everything that comes from Redis (names,
// payloads, error texts) enters the page as text nodes or attribute values, never as HTML.

const tokenInHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (tokenInHash) {
  sessionStorage.setItem('sluice-token', tokenInHash);
  history.replaceState(null, '', location.pathname + location.search);
}
const TOKEN =
  document.querySelector('meta[name="sluice-token"]')?.getAttribute('content') ||
  sessionStorage.getItem('sluice-token') ||
  '';
const HEADERS = { 'x-sluice-token': TOKEN };
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

let snapshot;
let selected = sessionStorage.getItem('sluice-stream') || undefined;
const listed = { dlq: '', delayed: '' };

// ---- DOM helpers ---------------------------------------------------------------------------

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function fill(tbody, rows, empty, columns) {
  tbody.replaceChildren(
    ...(rows.length ? rows : [el('tr', {}, el('td', { colspan: columns, class: 'muted' }, empty))]),
  );
}

/** Long untrusted text: clipped for the table, the whole text in the tooltip (an attribute value). */
function text(value, max = 140) {
  const s = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return el(
    'code',
    { class: 'text', title: s.length > max ? s : undefined },
    s.length > max ? `${s.slice(0, max)}…` : s,
  );
}

// ---- formatting ----------------------------------------------------------------------------

const num = (n) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n));
const rate = (n) => (n >= 100 ? num(n) : n.toFixed(n >= 10 ? 0 : 1));
function dur(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.floor(s % 60)}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}
const clock = (ms) => new Date(ms).toLocaleTimeString();
const idleClass = (ms) => (ms === null ? '' : ms > 300_000 ? 'idle-bad' : ms > 30_000 ? 'idle-warn' : '');

// ---- charts (hand-drawn SVG) ---------------------------------------------------------------

/** The time a chart spans: what was recorded (at least 20 samples), at most all the sampler keeps. */
function windowMs(times) {
  const interval = snapshot?.intervalMs ?? 1000;
  const recorded = times.length > 1 ? times.at(-1) - times[0] : 0;
  return Math.min((snapshot?.history ?? 120) * interval, Math.max(20 * interval, recorded));
}

/** Points placed by time, newest at the right edge, so a short history is not stretched. */
function path(values, times, w, h, max, pad, left = 0) {
  const last = times.at(-1) ?? 0;
  const span = windowMs(times);
  return values
    .map((v, i) => {
      const x = left + w - Math.min(1, (last - (times[i] ?? last)) / span) * w;
      return `${x.toFixed(1)},${(h - pad - (v / max) * (h - 2 * pad)).toFixed(1)}`;
    })
    .join(' ');
}

function spark(values, times, cls) {
  const w = 110;
  const h = 26;
  const max = Math.max(1, ...values);
  const pts = path(values, times, w, h, max, 2);
  const x0 = pts.split(',')[0] || w;
  return svg(
    'svg',
    { class: `spark ${cls}`, width: w, height: h, viewBox: `0 0 ${w} ${h}` },
    svg('polygon', { class: 'area', points: `${x0},${h} ${pts} ${w},${h}` }),
    svg('polyline', { class: 'line', points: pts }),
  );
}

function chart(target, times, series) {
  const w = 560;
  const h = 150;
  const left = 44;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const g = svg('svg', { class: 'chart', width: '100%', height: h, viewBox: `0 0 ${w + left} ${h + 16}` });
  for (const f of [0, 0.5, 1]) {
    const y = (h - 4 - f * (h - 8)).toFixed(1);
    g.append(svg('line', { class: 'grid', x1: left, x2: left + w, y1: y, y2: y }));
    g.append(svg('text', { x: left - 6, y: Number(y) + 4, 'text-anchor': 'end' }, rate(max * f)));
  }
  g.append(svg('text', { x: left, y: h + 14 }, `${dur(windowMs(times))} ago`));
  g.append(svg('text', { x: left + w, y: h + 14, 'text-anchor': 'end' }, 'now'));
  for (const s of series)
    g.append(svg('polyline', { class: `line ${s.cls}`, points: path(s.values, times, w, h, max, 4, left) }));
  const legend = el(
    'div',
    { class: 'legend' },
    series.map((s) => el('span', {}, el('i', { class: s.cls }), `${s.label}: ${rate(s.values.at(-1) ?? 0)}`)),
  );
  target.replaceChildren(g, legend);
}

// ---- API -----------------------------------------------------------------------------------

async function api(path, init) {
  const res = await fetch(path, { ...init, headers: { ...HEADERS, ...(init?.headers ?? {}) } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

const post = (path, body) =>
  api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const showError = (err) => flash(err.message, true);

function flash(message, error = false) {
  const f = $('flash');
  f.textContent = message;
  f.className = error ? 'flash error' : 'flash';
  f.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => (f.hidden = true), 6000);
}

// ---- rendering -----------------------------------------------------------------------------

function renderStreams() {
  const rows = snapshot.streams.map((s) =>
    el(
      'tr',
      {
        class: `stream${s.name === selected ? ' selected' : ''}`,
        'data-stream': s.name,
        onclick: () => select(s.name),
      },
      el('td', { class: 'name' }, s.name),
      el('td', { class: 'num', 'data-field': 'length' }, s.length),
      el(
        'td',
        {},
        el(
          'div',
          { class: 'cell-spark' },
          spark(s.history.inRate, s.history.t, 'in'),
          el('span', {}, rate(s.history.inRate.at(-1) ?? 0)),
        ),
      ),
      el(
        'td',
        {},
        el(
          'div',
          { class: 'cell-spark' },
          spark(s.history.lag, s.history.t, 'lag'),
          el('span', { 'data-field': 'lag' }, s.lag),
          el('span', { class: 'muted' }, s.lag > 0 ? dur(s.lagSeconds * 1000) : ''),
        ),
      ),
      el('td', { class: 'num', 'data-field': 'pending' }, s.pending),
      el('td', { class: `num ${idleClass(s.oldestPendingIdleMs)}` }, dur(s.oldestPendingIdleMs)),
      el(
        'td',
        { class: 'num' },
        s.groups.reduce((n, g) => n + g.consumers, 0),
      ),
      el(
        'td',
        { class: 'num', 'data-field': 'dlq' },
        el('span', { class: s.deadLetters ? 'badge bad' : 'badge' }, s.deadLetters),
      ),
      el('td', { class: 'num', 'data-field': 'delayed' }, s.delayed),
      el('td', { class: 'num' }, s.results),
    ),
  );
  fill($('streams-body'), rows, 'No streams under this prefix yet.', 10);
  $('streams-note').textContent = snapshot.hidden ? `${snapshot.hidden} more streams not shown.` : '';
}

function renderDetail() {
  const s = snapshot.streams.find((x) => x.name === selected);
  $('detail').hidden = !s;
  if (!s) return;
  $('detail-name').textContent = s.name;
  $('chart-window').textContent = dur(windowMs(s.history.t));
  chart($('chart-rate'), s.history.t, [
    { label: 'published / s', cls: 'a', values: s.history.inRate },
    { label: 'outcomes / s', cls: 'b', values: s.history.outRate },
  ]);
  chart($('chart-lag'), s.history.t, [
    { label: 'lag', cls: 'c', values: s.history.lag },
    { label: 'pending', cls: 'a', values: s.history.pending },
  ]);
  const rows = [];
  for (const g of s.groups) {
    rows.push(
      el(
        'tr',
        { class: 'group' },
        el('td', {}, g.name),
        el('td', { class: 'muted' }, `${g.consumers} consumer${g.consumers === 1 ? '' : 's'}`),
        el('td', { class: 'num' }, g.pending),
        el('td', { class: 'num' }, g.lag > 0 ? `${g.lag} (${dur(g.lagSeconds * 1000)})` : '0'),
        el('td', { class: `num ${idleClass(g.oldestPendingIdleMs)}` }, dur(g.oldestPendingIdleMs)),
        el('td', {}),
      ),
    );
    for (const c of g.consumerList) {
      rows.push(
        el(
          'tr',
          { 'data-consumer': c.name },
          el('td', {}),
          el('td', {}, c.name),
          el('td', { class: 'num' }, c.pending),
          el('td', {}),
          el('td', {}),
          el(
            'td',
            { class: `num ${idleClass(c.pending > 0 ? c.idleMs : null)}` },
            `${dur(c.inactiveMs ?? c.idleMs)} ago`,
          ),
        ),
      );
    }
  }
  fill($('consumers-body'), rows, 'No consumer group yet.', 6);
  const count = $('dlq-count');
  count.textContent = String(s.deadLetters);
  count.className = s.deadLetters ? 'badge bad' : 'badge';
  $('delayed-count').textContent = String(s.delayed);
  // Listings are reloaded when their stream's numbers move (and the delayed one as time passes).
  if (listed.dlq !== `${s.name}|${s.deadLetters}`) loadDeadLetters(s.name).catch(showError);
  if (listed.delayed !== `${s.name}|${s.delayed}` || snapshot.at - (loadDelayed.at ?? 0) > 5000)
    loadDelayed(s.name).catch(showError);
}

async function loadDeadLetters(stream) {
  listed.dlq = `${stream}|${snapshot.streams.find((x) => x.name === stream)?.deadLetters}`;
  const { total, items } = await api(`/api/dlq?stream=${encodeURIComponent(stream)}`);
  if (stream !== selected) return;
  const rows = items.map((d) =>
    el(
      'tr',
      { 'data-dlq-id': d.id },
      el('td', { title: d.id, class: 'nowrap' }, clock(d.deadAt)),
      el('td', {}, el('span', { class: 'reason' }, d.reason ?? 'unknown')),
      el('td', { class: 'dlq-error' }, text(d.error)),
      el('td', { class: 'dlq-data' }, text(d.data)),
      el('td', { class: 'num' }, d.attempt),
      el('td', {}, d.consumer ?? ''),
      el('td', { class: 'nowrap' }, d.origin ?? ''),
      el(
        'td',
        {},
        el('button', { type: 'button', class: 'replay-one', onclick: () => replay(stream, [d.id]) }, 'Replay'),
      ),
    ),
  );
  fill($('dlq-body'), rows, 'No dead letters.', 8);
  $('dlq-note').textContent = total > items.length ? `Showing the newest ${items.length} of ${total}.` : '';
  $('replay-all').disabled = total === 0;
  $('purge-all').disabled = total === 0;
}

async function loadDelayed(stream) {
  listed.delayed = `${stream}|${snapshot.streams.find((x) => x.name === stream)?.delayed}`;
  loadDelayed.at = snapshot.at;
  const { items } = await api(`/api/delayed?stream=${encodeURIComponent(stream)}`);
  if (stream !== selected) return;
  const rows = items.map((t) =>
    el(
      'tr',
      {},
      el(
        'td',
        { title: new Date(t.dueAt).toISOString(), class: 'nowrap' },
        t.dueAt > Date.now() ? `in ${dur(t.dueAt - Date.now())}` : 'due',
      ),
      el('td', {}, t.kind === 'retry' ? `retry (attempt ${t.attempt})` : t.kind),
      el('td', { class: 'nowrap' }, t.origin ?? ''),
      el('td', {}, text(t.data, 80)),
      el('td', {}, text(t.error, 80)),
    ),
  );
  fill($('delayed-body'), rows, 'Nothing scheduled or waiting to retry.', 5);
}

// ---- actions -------------------------------------------------------------------------------

async function replay(stream, ids) {
  const what = ids ? `${ids.length} dead letter${ids.length === 1 ? '' : 's'}` : 'all dead letters';
  if (!confirm(`Replay ${what} of "${stream}" back into the stream? Attempts restart at 1.`)) return;
  try {
    const r = await post('/api/replay', ids ? { stream, ids } : { stream });
    flash(
      `Replayed ${r.replayed} dead letter${r.replayed === 1 ? '' : 's'} of ${stream}${r.skipped ? ` (${r.skipped} skipped)` : ''}.`,
    );
    listed.dlq = '';
  } catch (err) {
    flash(`Replay failed: ${err.message}`, true);
  }
}

async function purge(stream) {
  if (!confirm(`Delete every dead letter of "${stream}" for good? This cannot be undone.`)) return;
  try {
    const r = await post('/api/purge', { stream });
    flash(`Purged ${r.purged} dead letters of ${stream}.`);
    listed.dlq = '';
  } catch (err) {
    flash(`Purge failed: ${err.message}`, true);
  }
}

async function lookUp(event) {
  event.preventDefault();
  const id = $('status-id').value.trim();
  const out = $('status-out');
  if (!selected || !id) return;
  try {
    const s = await api(`/api/status?stream=${encodeURIComponent(selected)}&id=${encodeURIComponent(id)}`);
    out.replaceChildren(
      ...Object.entries(s).flatMap(([k, v]) => [
        el('dt', {}, k),
        el(
          'dd',
          { class: k === 'state' ? 'state' : undefined },
          k === 'retryAt' ? new Date(v).toISOString() : typeof v === 'object' ? text(v, 400) : String(v),
        ),
      ]),
    );
  } catch (err) {
    out.replaceChildren(el('dt', {}, 'error'), el('dd', {}, err.message));
  }
}

function select(name) {
  selected = name;
  sessionStorage.setItem('sluice-stream', name);
  listed.dlq = '';
  listed.delayed = '';
  $('status-out').replaceChildren();
  render();
}

function render() {
  if (!snapshot) return;
  if (!snapshot.streams.some((s) => s.name === selected)) {
    const withDead = snapshot.streams.find((s) => s.deadLetters > 0);
    selected = (withDead ?? snapshot.streams[0])?.name;
  }
  renderStreams();
  renderDetail();
  $('live-text').textContent = snapshot.error ? `Redis error: ${snapshot.error}` : `updated ${clock(snapshot.at)}`;
  $('live-dot').className = snapshot.error ? 'dot off' : 'dot on';
}

// ---- live updates: server-sent events read with fetch (so the token travels in a header) ----

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function live() {
  for (;;) {
    try {
      const res = await fetch('/api/events', { headers: HEADERS });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error ?? `HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) {
            snapshot = JSON.parse(data);
            render();
          }
        }
      }
      throw new Error('disconnected');
    } catch (err) {
      $('live-dot').className = 'dot off';
      $('live-text').textContent = `${err.message}: reconnecting…`;
      await sleep(2000);
    }
  }
}

async function init() {
  $('replay-all').addEventListener('click', () => selected && replay(selected));
  $('purge-all').addEventListener('click', () => selected && purge(selected));
  $('status-form').addEventListener('submit', lookUp);
  try {
    const info = await api('/api/info');
    $('where').textContent = `${info.redis} · prefix ${info.prefix} · v${info.version}`;
  } catch (err) {
    $('where').textContent = err.message;
  }
  live();
}

init();
