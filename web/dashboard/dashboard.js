// The live dashboard: polls the management API every 2 s (health, stats, registrations, calls),
// keeps two minutes of per-second rates for the charts and draws them on <canvas>. API calls carry
// `Authorization: Bearer` once a token was entered; the page itself needs none.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 2000;
  const HISTORY = 60;  // points per chart: two minutes at one poll every 2 s
  const TOKEN_KEY = 'rtcgate.token';

  // Each chart is the per-second rate of a sum of counters. `any` lists alternative names, the
  // first one the gateway exports wins (the relay's counters exist only when media is anchored).
  const CHARTS = [
    { id: 'calls', title: 'Calls / s', color: '#2557d6',
      any: ['rtcgate_calls_started_total'] },
    { id: 'packets', title: 'Media packets / s', color: '#1a7f37',
      any: ['rtcgate_relay_packets_total'] },
    { id: 'sip', title: 'SIP messages / s', color: '#6941c6',
      sum: ['rtcgate_sip_messages_received_total'] },
    { id: 'errors', title: 'Errors / s', color: '#c62828',
      sum: ['rtcgate_sip_parse_errors_total', 'rtcgate_auth_failures_total',
            'rtcgate_transport_framing_errors_total', 'rtcgate_transport_send_failures_total',
            'rtcgate_transport_tls_handshake_failures_total',
            'rtcgate_transport_websocket_handshake_failures_total',
            'rtcgate_transaction_timeouts_total', 'rtcgate_proxy_branch_timeouts_total'] },
  ];

  const state = {
    token: localStorage.getItem(TOKEN_KEY) || '',
    // Without a calls counter, calls/s counts call ids first seen by polling GET /api/v1/calls
    // (a call shorter than a poll interval is missed).
    seenCalls: new Set(),
    callsSeen: null,
    previous: null,  // {at, totals: {chartId: number|null}}
    series: Object.fromEntries(CHARTS.map((c) => [c.id, []])),
    paused: false,
  };

  class Unauthorized extends Error {}

  async function api(method, path) {
    const headers = state.token ? { Authorization: 'Bearer ' + state.token } : {};
    // The API takes state-changing requests only as JSON (what an HTML form cannot send).
    if (method !== 'GET') headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, cache: 'no-store' });
    if (response.status === 401) throw new Unauthorized();
    return response;
  }

  async function getJson(path) {
    const response = await api('GET', path);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  }

  function metricSum(metrics, name) {
    const metric = metrics[name];
    if (!metric || !Array.isArray(metric.samples)) return null;
    return metric.samples.reduce((total, s) => total + (typeof s.value === 'number' ? s.value : 0), 0);
  }

  function chartTotal(chart, metrics) {
    if (chart.any) {
      for (const name of chart.any) {
        const value = metricSum(metrics, name);
        if (value !== null) return value;
      }
      return chart.id === 'calls' ? state.callsSeen : null;
    }
    let total = null;
    for (const name of chart.sum) {
      const value = metricSum(metrics, name);
      if (value !== null) total = (total || 0) + value;
    }
    return total;
  }

  function recordRates(metrics) {
    const now = Date.now();
    const totals = Object.fromEntries(CHARTS.map((c) => [c.id, chartTotal(c, metrics)]));
    const previous = state.previous;
    state.previous = { at: now, totals };
    if (!previous) return;
    const seconds = Math.max((now - previous.at) / 1000, 0.001);
    for (const chart of CHARTS) {
      const before = previous.totals[chart.id];
      const after = totals[chart.id];
      // A counter that went down means a restart: no rate for that interval.
      const rate = before === null || after === null || after < before ? null
                                                                        : (after - before) / seconds;
      const series = state.series[chart.id];
      series.push(rate);
      if (series.length > HISTORY) series.shift();
    }
  }

  function buildCharts() {
    for (const chart of CHARTS) {
      const box = document.createElement('div');
      box.className = 'card chart';
      box.innerHTML = '<div class="title"><span></span><span class="now">–</span></div>' +
                      '<canvas></canvas>';
      box.querySelector('.title span').textContent = chart.title;
      chart.canvas = box.querySelector('canvas');
      chart.now = box.querySelector('.now');
      $('charts').appendChild(box);
    }
  }

  function formatRate(value) {
    if (value === null || value === undefined) return '–';
    return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  }

  function drawChart(chart) {
    const canvas = chart.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);

    const series = state.series[chart.id];
    const known = series.filter((v) => v !== null);
    chart.now.textContent = formatRate(series.length ? series[series.length - 1] : null);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#667085';
    if (state.previous && state.previous.totals[chart.id] === null) {
      const name = chart.any ? chart.any[0] : chart.sum[0];
      g.fillText('not exported by this gateway:', 4, height / 2 - 8);
      g.fillText(name, 4, height / 2 + 8);
      return;
    }
    if (known.length === 0) {
      g.fillText('collecting…', 4, height / 2);
      return;
    }
    const top = Math.max(1, ...known) * 1.15;
    const step = width / (HISTORY - 1);
    const x0 = width - (series.length - 1) * step;
    g.strokeStyle = '#e2e5ea';
    g.lineWidth = 1;
    for (const fraction of [0.25, 0.5, 0.75]) {
      g.beginPath();
      g.moveTo(0, Math.round(height * fraction) + 0.5);
      g.lineTo(width, Math.round(height * fraction) + 0.5);
      g.stroke();
    }
    g.fillText(formatRate(top), 4, 12);
    g.strokeStyle = chart.color;
    g.fillStyle = chart.color + '22';
    g.lineWidth = 2;
    g.beginPath();
    let drawing = false;
    series.forEach((value, i) => {
      if (value === null) {
        drawing = false;
        return;
      }
      const x = x0 + i * step;
      const y = height - (value / top) * (height - 4);
      if (drawing) g.lineTo(x, y);
      else g.moveTo(x, y);
      drawing = true;
    });
    g.stroke();
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function emptyRow(body, columns, text) {
    body.replaceChildren();
    const row = document.createElement('tr');
    cell(row, text, 'empty').colSpan = columns;
    body.appendChild(row);
  }

  function actionButton(row, label, title, onClick) {
    const button = document.createElement('button');
    button.className = 'small danger';
    button.textContent = label;
    button.title = title;
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await onClick();
      } catch (e) {
        showError(e);
      }
      poll();
    });
    cell(row, '').appendChild(button);
  }

  function renderRegistrations(data) {
    const body = $('registrations');
    const list = data ? (Array.isArray(data) ? data : data.registrations || []) : [];
    if (list.length === 0) return emptyRow(body, 7, 'No registrations');
    body.replaceChildren();
    for (const r of list) {
      const row = document.createElement('tr');
      row.dataset.aor = r.aor;
      cell(row, r.aor);
      cell(row, r.contact, 'mono');
      cell(row, r.transport);
      cell(row, r.source, 'mono');
      cell(row, r.expires_in + ' s');
      cell(row, r.user_agent);
      actionButton(row, 'Unregister', 'remove every contact of ' + r.aor,
                   () => api('DELETE', '/api/v1/registrations/' + encodeURIComponent(r.aor)));
      body.appendChild(row);
    }
  }

  function callDuration(call) {
    const seconds = call.duration_seconds ?? call.duration ?? call.age_seconds;
    if (typeof seconds !== 'number') return '';
    const s = Math.floor(seconds);
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  function callList(data) {
    return data === null ? [] : Array.isArray(data) ? data : data.calls || [];
  }

  function countNewCalls(data) {
    if (data === null) return;
    const ids = new Set(callList(data).map((call) => String(call.id ?? call.call_id)));
    let fresh = 0;
    ids.forEach((id) => { if (!state.seenCalls.has(id)) fresh += 1; });
    // The first poll finds calls that started earlier: a baseline, not a rate.
    state.callsSeen = state.callsSeen === null ? 0 : state.callsSeen + fresh;
    state.seenCalls = ids;
  }

  // Media quality per call comes from GET /api/v1/calls/{id} (one relay query each): only for the
  // first calls shown, so a busy gateway is not asked for hundreds every poll.
  const QUALITY_LIMIT = 20;
  async function fetchQuality(data) {
    const quality = new Map();
    const ids = callList(data).slice(0, QUALITY_LIMIT).map((call) => call.id).filter((id) => id !== undefined);
    const details = await Promise.all(ids.map((id) =>
      getJson('/api/v1/calls/' + encodeURIComponent(id)).catch(() => null)));
    details.forEach((detail, i) => { if (detail && detail.media) quality.set(String(ids[i]), detail.media); });
    return quality;
  }

  // The worse of the two directions, as an operator reads it at a glance.
  // After the relay's figures, the codec of each direction ("opus/PCMU" when they differ); for a
  // call with direct media the codec alone.
  function qualityText(media) {
    if (!media) return '';
    const codecs = [...new Set(Object.values(media).map((side) => side && side.codec).filter(Boolean))];
    const codec = codecs.join('/');
    const sides = Object.values(media).filter((side) => side && typeof side.packets === 'number');
    if (sides.length === 0) return codec;
    const suffix = codec ? ' · ' + codec : '';
    if (sides.every((side) => side.packets === 0)) return 'no media yet' + suffix;
    const worst = sides.reduce((a, b) => ((b.mos ?? 5) < (a.mos ?? 5) ? b : a));
    const loss = Math.max(...sides.map((side) => side.loss_percent || 0));
    const jitter = Math.max(...sides.map((side) => side.jitter_ms || 0));
    return 'MOS ' + (worst.mos ?? 0).toFixed(1) + ' · loss ' + loss.toFixed(1) + '% · jitter ' +
           jitter.toFixed(1) + ' ms' + suffix;
  }

  // The calls API is the newest part of the gateway: a 404 means this build has none yet.
  function renderCalls(data, quality = new Map()) {
    const body = $('calls');
    if (data === null) {
      $('calls-note').textContent = 'calls API not available in this gateway';
      $('c-calls').textContent = '–';
      return emptyRow(body, 7, 'This gateway does not list calls (no /api/v1/calls)');
    }
    $('calls-note').textContent = '';
    const list = callList(data);
    $('c-calls').textContent = list.length;
    if (list.length === 0) return emptyRow(body, 7, 'No calls');
    body.replaceChildren();
    for (const call of list) {
      const id = call.id ?? call.call_id;
      const row = document.createElement('tr');
      row.dataset.call = id;
      cell(row, id, 'mono');
      cell(row, call.from ?? call.caller);
      cell(row, call.to ?? call.callee);
      cell(row, call.state ?? call.status);
      cell(row, callDuration(call));
      cell(row, qualityText(quality.get(String(id))), 'quality');
      actionButton(row, 'Hang up', 'end this call on both sides',
                   () => api('DELETE', '/api/v1/calls/' + encodeURIComponent(id)));
      body.appendChild(row);
    }
  }

  function renderCounters(metrics, health) {
    const set = (id, value) => { $(id).textContent = value === null ? '–' : value; };
    set('c-contacts', metricSum(metrics, 'rtcgate_registered_contacts'));
    set('c-aors', metricSum(metrics, 'rtcgate_registered_aors'));
    set('c-connections', metricSum(metrics, 'rtcgate_connections_open'));
    set('c-transactions', metricSum(metrics, 'rtcgate_transactions_live'));
    if (health) {
      const pill = $('health');
      pill.textContent = health.status;
      pill.dataset.state = health.status;
      pill.className = 'pill ' + ({ healthy: 'good', degraded: 'warn' }[health.status] || 'bad');
      pill.title = (health.reasons || []).join('\n');
      $('version').textContent = health.version ? 'v' + health.version : '';
      set('c-uptime', formatUptime(health.uptime_seconds));
    }
  }

  function formatUptime(seconds) {
    if (typeof seconds !== 'number') return null;
    if (seconds < 120) return seconds + ' s';
    if (seconds < 7200) return Math.floor(seconds / 60) + ' min';
    if (seconds < 172800) return Math.floor(seconds / 3600) + ' h';
    return Math.floor(seconds / 86400) + ' d';
  }

  function showError(error) {
    $('error').textContent = String(error.message || error);
    $('error').classList.remove('hidden');
  }

  function askForToken() {
    state.paused = true;
    $('token-card').classList.remove('hidden');
    $('token').focus();
  }

  async function poll() {
    if (state.paused) return;
    try {
      // Health answers 503 when critical, which is still a health document worth showing.
      const healthResponse = await api('GET', '/api/v1/health');
      const health = await healthResponse.json().catch(() => null);
      const [stats, registrations, calls] = await Promise.all([
        getJson('/api/v1/stats'), getJson('/api/v1/registrations'), getJson('/api/v1/calls')]);
      const metrics = (stats && stats.metrics) || {};
      countNewCalls(calls);
      recordRates(metrics);
      renderCounters(metrics, health);
      renderRegistrations(registrations);
      renderCalls(calls, await fetchQuality(calls));
      CHARTS.forEach(drawChart);
      $('error').classList.add('hidden');
      $('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      if (e instanceof Unauthorized) askForToken();
      else showError('Cannot reach the management API: ' + (e.message || e));
    }
  }

  function start() {
    buildCharts();
    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      state.token = $('token').value.trim();
      localStorage.setItem(TOKEN_KEY, state.token);
      $('token-card').classList.add('hidden');
      state.paused = false;
      poll();
    });
    window.addEventListener('resize', () => CHARTS.forEach(drawChart));
    poll();
    setInterval(poll, POLL_MS);
  }

  start();
})();
