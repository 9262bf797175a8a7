// The monitoring assets are checked against the code: the Grafana dashboard is valid dashboard
// JSON (a structural check of what Grafana needs to load it), every query and alert names real
// metrics, and the compose/provisioning files point at files that exist.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS } from '@sluice/results';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const read = (path: string) => readFileSync(resolve(here, path), 'utf8');

const metricNames = new Set<string>();
for (const m of Object.values(METRICS)) {
  metricNames.add(m.name);
  if (m.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) metricNames.add(m.name + s);
}

/** Metric names a PromQL expression uses, and a basic syntax check (balanced brackets). */
function promql(expr: string): string[] {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (const ch of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('({['.includes(ch)) stack.push(ch);
    else if (ch in pairs) expect(stack.pop(), `unbalanced ${ch} in ${expr}`).toBe(pairs[ch]);
  }
  expect(stack, `unclosed brackets in ${expr}`).toEqual([]);
  return expr.match(/\bsluice_[a-z_]+/g) ?? [];
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string }>;
  fieldConfig?: { defaults: object };
}

describe('examples/monitoring', () => {
  const dashboard = JSON.parse(read('grafana/dashboards/sluice.json'));
  const alerts = parse(read('alerts.yml'));

  it('has a dashboard with the fields Grafana needs to load it', () => {
    expect(typeof dashboard.title).toBe('string');
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36).toBe(true);
    expect(dashboard.time).toEqual({ from: expect.any(String), to: expect.any(String) });
    expect(dashboard.id ?? null).toBeNull(); // an id would clash on import; uid identifies it
    const panels = dashboard.panels as Panel[];
    expect(panels.length).toBeGreaterThan(5);
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const p of panels) {
      const what = `panel ${p.id} "${p.title}"`;
      expect(Number.isInteger(p.id), what).toBe(true);
      expect(ids.has(p.id), `${what}: duplicate id`).toBe(false);
      ids.add(p.id);
      expect(['row', 'stat', 'timeseries', 'gauge', 'bargauge', 'table'], what).toContain(p.type);
      expect(p.title.length, what).toBeGreaterThan(0);
      const { h, w, x, y } = p.gridPos;
      for (const v of [h, w, x, y]) expect(Number.isInteger(v), `${what}: gridPos`).toBe(true);
      expect(h > 0 && w > 0 && x >= 0 && y >= 0 && x + w <= 24, `${what}: gridPos ${JSON.stringify(p.gridPos)}`).toBe(true);
      // No two panels share a grid cell.
      for (let r = y; r < y + h; r++) {
        for (let c = x; c < x + w; c++) {
          expect(cells.has(`${r},${c}`), `${what} overlaps another panel at ${r},${c}`).toBe(false);
          cells.add(`${r},${c}`);
        }
      }
      if (p.type === 'row') continue;
      expect(p.datasource, what).toEqual({ type: 'prometheus', uid: '${DS_PROMETHEUS}' });
      for (const t of p.targets ?? []) expect((t as { datasource?: unknown }).datasource, what).toEqual(p.datasource);
      expect(p.fieldConfig?.defaults, what).toBeTypeOf('object');
      expect(p.targets?.length, what).toBeGreaterThan(0);
      const refIds = new Set(p.targets?.map((t) => t.refId));
      expect(refIds.size, `${what}: refIds unique`).toBe(p.targets?.length);
      for (const t of p.targets ?? []) for (const name of promql(t.expr)) expect(metricNames, `${what}: ${t.expr}`).toContain(name);
    }
    const vars = (dashboard.templating.list as Array<{ name: string; type: string; query: { query: string } }>).map((v) => {
      if (v.type === 'query') for (const name of promql(v.query.query)) expect(metricNames).toContain(name);
      return v.name;
    });
    const used = JSON.stringify(panels).match(/\$\{?(?!__)[A-Za-z_]+/g) ?? [];
    for (const v of new Set(used)) expect(vars, `variable ${v} is defined`).toContain(v.replace(/^\$\{?/, ''));
  });

  it('is importable on any Grafana: the datasource is an import input, never a hard-coded uid', () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    ]);
    // Every datasource reference (panels, targets, variables) goes through the input.
    const refs: Array<{ type: string; uid: string }> = [];
    const walk = (o: unknown): void => {
      if (Array.isArray(o)) for (const v of o) walk(v);
      else if (o && typeof o === 'object') {
        const r = o as Record<string, unknown>;
        if (r.type === 'prometheus' && typeof r.uid === 'string') refs.push(r as { type: string; uid: string });
        for (const v of Object.values(r)) walk(v);
      }
    };
    walk(dashboard);
    expect(refs.length).toBeGreaterThan(20);
    for (const r of refs) expect(r.uid).toBe('${DS_PROMETHEUS}');
    // File provisioning ignores __inputs: a datasource variable of the same name resolves it there.
    const dsVar = dashboard.templating.list.find((v: { name: string }) => v.name === 'DS_PROMETHEUS');
    expect(dsVar).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('charts throughput, lag, pending age, dead letters and latency quantiles, and every metric', () => {
    const exprs = (dashboard.panels as Panel[]).flatMap((p) => p.targets?.map((t) => t.expr) ?? []);
    const all = exprs.join('\n');
    expect(all).toMatch(/rate\(sluice_processed_total/);
    expect(all).toMatch(/sluice_group_lag/);
    expect(all).toMatch(/sluice_oldest_pending_age_seconds/);
    expect(all).toMatch(/sluice_pending_max_idle_seconds/);
    expect(all).toMatch(/sluice_group_lag_seconds/);
    expect(all).toMatch(/nodejs_eventloop_lag_p99_seconds/);
    expect(all).toMatch(/sluice_dlq_length/);
    for (const h of ['sluice_handler_duration_seconds', 'sluice_end_to_end_latency_seconds']) {
      for (const q of ['0.5', '0.95', '0.99']) expect(all).toContain(`histogram_quantile(${q}, sum by (le, stream) (rate(${h}_bucket`);
    }
    for (const m of Object.values(METRICS)) expect(all, `${m.name} is on the dashboard`).toContain(m.name);
  });

  it('has alert rules for stuck entries, dead letters, missing consumers and lag, each with a runbook entry', () => {
    const runbook = read('RUNBOOK.md');
    const anchors = new Set([...runbook.matchAll(/^## (.+)$/gm)].map((m) => (m[1] as string).toLowerCase().replace(/\s+/g, '-')));
    const rules = alerts.groups.flatMap((g: { rules: unknown[] }) => g.rules) as Array<{
      alert: string;
      expr: string;
      for: string;
      labels: { severity: string };
      annotations: { summary: string; runbook: string };
    }>;
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'SluiceStuckHandler',
        'SluiceDeadLettersGrowing',
        'SluiceNoConsumers',
        'SluiceLagGrowing',
        'SluiceLagTooOld',
      ]),
    );
    const by = new Map(rules.map((r) => [r.alert, r.expr]));
    // Stuck means idle (nobody works on it), not old: an old backlog must not fire it.
    expect(by.get('SluiceStuckHandler')).toContain('sluice_pending_max_idle_seconds');
    expect(by.get('SluiceStuckHandler')).not.toContain('sluice_oldest_pending_age_seconds');
    // The gauge vanishes with the last worker: only absent() can see that.
    expect(by.get('SluiceNoConsumers')).toMatch(/absent\(sluice_consumers\)/);
    expect(by.get('SluiceLagTooOld')).toContain('sluice_group_lag_seconds');
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary.length, r.alert).toBeGreaterThan(0);
      expect(anchors, `${r.alert}: runbook anchor`).toContain(r.annotations.runbook.split('#')[1]);
      for (const name of promql(r.expr)) expect(metricNames, r.alert).toContain(name);
    }
  });

  it('passes promtool check rules', () => {
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (!promtool) throw new Error('promtool not found: install it with `apt-get install -y prometheus`');
    const run = spawnSync(promtool, ['check', 'rules', resolve(here, 'alerts.yml')], { encoding: 'utf8' });
    expect(run.stderr + run.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(run.status).toBe(0);
  });

  it('fires the alerts on promtool unit-test series: idle not age, and absent() once every worker is gone', () => {
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (!promtool) throw new Error('promtool not found: install it with `apt-get install -y prometheus`');
    const run = spawnSync(promtool, ['test', 'rules', resolve(here, 'alerts.test.yml')], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });

  it('runbook uses the CLI as it is: `sluice dlq replay <stream>`', () => {
    const runbook = read('RUNBOOK.md');
    expect(runbook).toContain('sluice dlq replay <stream>');
    expect(runbook).not.toMatch(/`sluice dlq replay`/);
  });

  it('wires Prometheus, Grafana and docker compose to files that exist', () => {
    const prom = parse(read('prometheus.yml'));
    expect(prom.scrape_configs.map((s: { job_name: string }) => s.job_name)).toContain('sluice');
    const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'));
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'prometheus', 'grafana']));
    const mounts = new Map<string, string>();
    for (const service of ['prometheus', 'grafana']) {
      for (const v of compose.services[service].volumes as string[]) {
        const [from, to] = v.split(':') as [string, string];
        expect(existsSync(resolve(root, from)), `${service} mounts ${from}`).toBe(true);
        mounts.set(to, from);
      }
    }
    for (const rule of prom.rule_files as string[]) expect(mounts.has(rule), `${rule} is mounted`).toBe(true);
    const ds = parse(read('grafana/provisioning/datasources/prometheus.yml'));
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', isDefault: true });
    const provider = parse(read('grafana/provisioning/dashboards/sluice.yml'));
    const path = provider.providers[0].options.path as string;
    expect(mounts.get(path)).toBe('./examples/monitoring/grafana/dashboards');
  });
});
