#!/usr/bin/env node
// Drives rtcgate's own pages in one headless Chromium (playwright-core, Debian's chromium) for
// test_phone_page.py: one JSON command per stdin line, one JSON answer per stdout line, so the
// Python side can query the gateway's API between steps while the browser stays registered.
//
//   {"cmd": "phone", "url": "https://127.0.0.1:P/phone", "user": "alice", "password": "pw"}
//       fills the phone's form, clicks Register, waits for the registration outcome
//   {"cmd": "dashboard", "url": "http://127.0.0.1:P/", "aor": "alice@localhost"}
//       opens the dashboard in a second tab and waits until that AoR is listed
//   {"cmd": "call", "target": "bob", "seconds": 5}
//       dials from the phone, waits for the call to be up, keeps it, returns WebRTC statistics
//   {"cmd": "stats"}    the call's WebRTC packet counters now
//   {"cmd": "await_call", "states": ["confirmed"], "resumed": 1, "timeout_ms": 30000}
//       waits until the call's state is one of `states` and the phone has resumed that many
//       calls after a reconnect; returns the state, its text and the packet counters
//   {"cmd": "close_phone"}   closes the phone's tab (a browser that never comes back)
//   {"cmd": "hangup"}   clicks Hang up and waits for the call to end
//   {"cmd": "dashboard_hangup", "screenshot": "/path.png"}   clicks the first call's Hang up on the
//       dashboard instead (after a screenshot of the dashboard with the live call, when asked)
//   {"cmd": "dashboard_token", "url": "http://127.0.0.1:P/", "token": "t"}
//       a dashboard whose API needs a token: waits for the prompt, enters it, waits for data
//   {"cmd": "quit"}
'use strict';
const readline = require('readline');
const { launchChromium } = require('./browser_call.js');

const TIMEOUT_MS = 15000;

async function phone(context, state, command) {
  const page = await context.newPage();
  state.phone = page;
  page.on('console', (m) => {
    if (process.env.PHONE_DEBUG || m.type() === 'error') {
      process.stderr.write('phone page: ' + m.text() + '\n');
    }
  });
  // What the page could not load, by URL (the console only says "404").
  page.on('response', (r) => {
    if (r.status() >= 400) process.stderr.write(`phone page: ${r.status()} for ${r.url()}\n`);
  });
  page.on('pageerror', (e) => process.stderr.write('phone page error: ' + e.message + '\n'));
  await page.goto(command.url);
  const banner = await page.locator('#banner').textContent();
  const defaults = { domain: await page.inputValue('#domain'), wss: await page.inputValue('#wss') };
  // Without JsSIP in the binary the page can only explain itself: say so at once.
  if (await page.evaluate(() => typeof window.JsSIP === 'undefined')) {
    return { state: 'no-jssip', text: '', defaults, banner: banner.trim() };
  }
  await page.fill('#user', command.user);
  await page.fill('#password', command.password);
  if (command.domain) await page.fill('#domain', command.domain);
  await page.click('#register');
  await page.waitForFunction(() => {
    const state = document.getElementById('reg-status').dataset.state;
    return state === 'registered' || state === 'failed' || state === 'disconnected';
  }, null, { timeout: TIMEOUT_MS });
  const status = page.locator('#reg-status');
  return { state: await status.getAttribute('data-state'), text: await status.textContent(),
           defaults, banner: banner.trim() };
}

async function dashboard(context, state, command) {
  const page = await context.newPage();
  state.dashboard = page;
  await page.goto(command.url);
  const row = page.locator(`#registrations tr[data-aor="${command.aor}"]`);
  await row.waitFor({ timeout: TIMEOUT_MS });
  const cells = await row.locator('td').allTextContents();
  const health = await page.locator('#health').getAttribute('data-state');
  // Two polls make a rate: the charts must have drawn something by then.
  await page.waitForTimeout(4500);
  const contacts = await page.locator('#c-contacts').textContent();
  const calls = await page.locator('#calls').textContent();
  return { cells, health, contacts, calls: calls.trim() };
}

async function call(state, command) {
  const page = state.phone;
  await page.fill('#target', command.target);
  await page.click('#call');
  await page.waitForFunction(() => {
    const state = document.getElementById('call-status').dataset.state;
    return state === 'confirmed' || state === 'failed' || state === 'ended';
  }, null, { timeout: TIMEOUT_MS });
  const callState = await page.locator('#call-status').getAttribute('data-state');
  if (callState !== 'confirmed') {
    return { state: callState, text: await page.locator('#call-status').textContent() };
  }
  await page.waitForTimeout((command.seconds || 5) * 1000);
  return { state: callState, timer: await page.locator('#timer').textContent(),
           ...await packetCounters(page) };
}

async function packetCounters(page) {
  return page.evaluate(async () => {
    // candidateType: the local side of the selected ICE pair ("host", "relay" through TURN).
    const out = { packetsSent: 0, packetsReceived: 0, candidateType: '' };
    const session = window.rtcgatePhone.session;
    if (!session || !session.connection) return out;
    const report = await session.connection.getStats();
    let pairId = '';
    report.forEach((entry) => {
      if (entry.type === 'outbound-rtp' && entry.kind === 'audio') out.packetsSent += entry.packetsSent;
      if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
        out.packetsReceived += entry.packetsReceived;
      }
      if (entry.type === 'transport' && entry.selectedCandidatePairId) {
        pairId = entry.selectedCandidatePairId;
      }
    });
    const pair = pairId ? report.get(pairId) : null;
    const local = pair ? report.get(pair.localCandidateId) : null;
    if (local) out.candidateType = local.candidateType;
    return out;
  });
}

async function awaitCall(state, command) {
  const page = state.phone;
  await page.waitForFunction(({ states, resumed }) => {
    const status = document.getElementById('call-status').dataset.state;
    return states.includes(status) && window.rtcgatePhone.resumed >= resumed;
  }, { states: command.states, resumed: command.resumed || 0 },
  { timeout: command.timeout_ms || TIMEOUT_MS });
  return { state: await page.locator('#call-status').getAttribute('data-state'),
           text: await page.locator('#call-status').textContent(),
           resumed: await page.evaluate(() => window.rtcgatePhone.resumed),
           ...await packetCounters(page) };
}

// A dashboard whose API needs a token: it must load, ask for the token, then poll with it.
async function dashboardToken(context, command) {
  const page = await context.newPage();
  await page.goto(command.url);
  await page.locator('#token-card').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  const before = await page.locator('#registrations').textContent();
  await page.fill('#token', command.token);
  await page.click('#token-form button');
  await page.locator('#registrations td.empty', { hasText: 'No registrations' })
      .waitFor({ timeout: TIMEOUT_MS });
  const health = await page.locator('#health').getAttribute('data-state');
  const stored = await page.evaluate(() => localStorage.getItem('rtcgate.token'));
  await page.close();
  return { before: before.trim(), health, stored };
}

// Hangs the phone's call up from the dashboard's Calls table (DELETE /api/v1/calls/{id}).
async function dashboardHangup(state, command) {
  const page = state.dashboard;
  const row = page.locator('#calls tr[data-call]');
  await row.first().waitFor({ timeout: TIMEOUT_MS });
  // The media column fills from the relay's statistics once packets flow.
  await row.first().locator('td.quality', { hasText: 'MOS' }).waitFor({ timeout: TIMEOUT_MS });
  const rows = await row.count();
  const cells = await row.first().locator('td').allTextContents();
  const callsCounter = await page.locator('#c-calls').textContent();
  // The live call on the dashboard, kept as a test artifact for a human to look at.
  if (command.screenshot) await page.screenshot({ path: command.screenshot, fullPage: true });
  await row.first().locator('button').click();
  await state.phone.waitForFunction(
      () => document.getElementById('call-status').dataset.state === 'ended', null,
      { timeout: TIMEOUT_MS });
  return { rows, cells, callsCounter,
           phone: await state.phone.locator('#call-status').textContent() };
}

async function hangup(state) {
  const page = state.phone;
  await page.click('#hangup');
  await page.waitForFunction(
      () => document.getElementById('call-status').dataset.state === 'ended', null,
      { timeout: TIMEOUT_MS });
  return { state: 'ended', text: await page.locator('#call-status').textContent() };
}

async function main() {
  const browser = await launchChromium();
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const state = {};
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    if (command.cmd === 'quit') break;
    let answer;
    try {
      if (command.cmd === 'phone') answer = await phone(context, state, command);
      else if (command.cmd === 'dashboard') answer = await dashboard(context, state, command);
      else if (command.cmd === 'call') answer = await call(state, command);
      else if (command.cmd === 'hangup') answer = await hangup(state);
      else if (command.cmd === 'stats') answer = await packetCounters(state.phone);
      else if (command.cmd === 'await_call') answer = await awaitCall(state, command);
      else if (command.cmd === 'close_phone') {
        await state.phone.close();
        answer = { closed: true };
      }
      else if (command.cmd === 'dashboard_hangup') answer = await dashboardHangup(state, command);
      else if (command.cmd === 'dashboard_token') answer = await dashboardToken(context, command);
      else answer = { error: 'unknown command ' + command.cmd };
    } catch (error) {
      answer = { error: error.message };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
  await browser.close();
}

main().catch((error) => {
  process.stderr.write('phone_page: ' + error.stack + '\n');
  process.exit(1);
});
