#!/usr/bin/env node
// Drives one Chromium (playwright-core, Debian's /usr/bin/chromium) running JsSIP from npm: it
// connects over WebSocket to a SIP proxy, then either calls a target or registers and waits to
// auto-answer an incoming call, keeps the call up for a while, and prints the WebRTC statistics
// (packets sent/received, selected candidate pair, DTLS state) as one JSON line on stdout.
//
// usage: browser_call.js --ws ws://127.0.0.1:PORT --user alice --domain 127.0.0.1
//                        (--call sip:echo@127.0.0.1 | --answer) [--seconds 8] [--password P]
//                        [--register] [--hold] [--cancel-after MS] [--expect-failure]
//                        [--bundle balanced|max-bundle] [--video] [--dtmf-info DIGITS]
//                        [--dtmf-rfc2833 DIGITS] [--no-telephone-event] [--accept-refer]
// --video: camera too (Chromium's fake device), so audio and video share the BUNDLE transport;
// the video counters are reported as videoPacketsSent/videoPacketsReceived.
// --hold: hold (re-INVITE sendonly) and resume half-way, and report the packets received after
// the resume; --cancel-after: hang up before an answer (CANCEL); --expect-failure: a failed call
// is the expected outcome (its cause is reported); --dtmf-info / --dtmf-rfc2833: once the call
// is up, JsSIP's sendDTMF sends those digits as SIP INFO, then as RFC 4733 events (Chromium's
// RTCDTMFSender); --no-telephone-event: our SDP offers or answers no telephone-event; digits the
// peer sends as INFO are reported as infoDigits; --accept-refer: once the call is up, wait for a
// REFER (a blind transfer), call its target and report on that call (referTo, and oldEnded: the
// transferred call ended). Milestones are printed as they happen
// ('# registered', '# confirmed') for tests to wait on.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');

function parseArgs(argv) {
  const args = { seconds: 8, user: 'alice', domain: '127.0.0.1' };
  for (let i = 2; i < argv.length; ++i) {
    const key = argv[i].replace(/^--/, '');
    if (['answer', 'register', 'hold', 'expect-failure', 'no-telephone-event', 'accept-refer'].includes(key)) {
      args[key] = true;
    } else {
      args[key] = argv[++i];
    }
  }
  args.seconds = Number(args.seconds);
  return args;
}

// JsSIP ships CommonJS only; wrap the modules it reaches (browser entry points) in a tiny loader
// so that the page can use it without a bundler dependency.
function bundleJsSip() {
  const root = path.join(__dirname, 'node_modules');
  const ids = new Map();
  const sources = [];
  function resolveFile(candidate) {
    for (const file of [candidate, candidate + '.js', path.join(candidate, 'index.js')]) {
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
    }
    throw new Error('cannot resolve ' + candidate);
  }
  function resolve(from, request) {
    if (request.startsWith('.')) return resolveFile(path.resolve(path.dirname(from), request));
    const dir = path.join(root, request);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const entry = (typeof pkg.browser === 'string' && pkg.browser) || pkg.main || 'index.js';
    return resolveFile(path.resolve(dir, entry));
  }
  function add(file) {
    if (ids.has(file)) return ids.get(file);
    const id = sources.length;
    ids.set(file, id);
    sources.push(null);
    const text = fs.readFileSync(file, 'utf8');
    const code = file.endsWith('.json') ? 'module.exports = ' + text + ';' : text;
    const map = {};
    for (const match of code.matchAll(/require\(['"]([^'"]+)['"]\)/g)) {
      map[match[1]] = add(resolve(file, match[1]));
    }
    sources[id] = `[function (module, exports, require) {\n${code}\n}, ${JSON.stringify(map)}]`;
    return id;
  }
  const entry = add(resolve(root, 'jssip'));
  return `(function () {
  var defs = [${sources.join(',\n')}];
  var cache = {};
  function load(id) {
    if (cache[id]) return cache[id].exports;
    var module = cache[id] = { exports: {} };
    defs[id][0].call(module.exports, module, module.exports, function (name) {
      if (!(name in defs[id][1])) throw new Error('module not bundled: ' + name);
      return load(defs[id][1][name]);
    });
    return module.exports;
  }
  window.process = window.process || { env: {} };
  window.JsSIP = load(${entry});
})();`;
}

// Served over http://127.0.0.1 (a secure context, so getUserMedia works).
function servePage(bundle) {
  const page = '<!doctype html><html><head><script src="/jssip.js"></script></head><body></body></html>';
  const server = http.createServer((request, response) => {
    const js = request.url === '/jssip.js';
    response.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    response.end(js ? bundle : page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// Runs in the page.
async function runInPage(args) {
  // Milestones go to the driver (and from there to stdout as '# registered'), so that tests wait
  // for them instead of guessing how long Chromium takes to start.
  const progress = (what) => console.log('rtcgate-e2e ' + what);
  const JsSIP = window.JsSIP;
  if (args.debug) JsSIP.debug.enable('JsSIP:*');
  const socket = new JsSIP.WebSocketInterface(args.ws);
  const ua = new JsSIP.UA({
    sockets: [socket],
    uri: `sip:${args.user}@${args.domain}`,
    password: args.password || 'secret',
    register: !!(args.answer || args.register),
    session_timers: false,
  });
  const options = {
    mediaConstraints: { audio: true, video: !!args.video },
    pcConfig: { iceServers: [], rtcpMuxPolicy: 'require', bundlePolicy: args.bundle || 'max-bundle' },
  };
  const log = [];
  let infoDigits = '';
  // The telephone-event formats out of an SDP: the m= lines' payload types and their a= lines.
  function withoutTelephoneEvent(sdp) {
    const types = [...sdp.matchAll(/a=rtpmap:(\d+) telephone-event\//g)].map((m) => m[1]);
    return sdp.split('\r\n').filter((line) => !types.some((t) => line.startsWith(`a=rtpmap:${t} `) ||
      line.startsWith(`a=fmtp:${t} `))).map((line) => (line.startsWith('m=audio')
      ? line.split(' ').filter((f, i) => i < 3 || !types.includes(f)).join(' ') : line)).join('\r\n');
  }
  let session = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no call within 20 s: ' + log.join('; '))), 20000);
    ua.on('registered', () => { log.push('registered'); progress('registered'); });
    ua.on('registrationFailed', (e) => log.push('registration failed ' + e.cause));
    ua.on('newRTCSession', (e) => {
      const s = e.session;
      s.on('sdp', (d) => {
        if (args['no-telephone-event'] && d.originator === 'local') d.sdp = withoutTelephoneEvent(d.sdp);
        log.push(d.originator + ' sdp:\n' + d.sdp);
      });
      s.on('newDTMF', (d) => { if (d.originator === 'remote') infoDigits += d.dtmf.tone; });
      for (const step of ['createofferfailed', 'createanswerfailed', 'setlocaldescriptionfailed',
        'setremotedescriptionfailed']) {
        s.on('peerconnection:' + step, (error) => log.push(step + ': ' + error));
      }
      s.on('failed', (f) => {
        clearTimeout(timer);
        if (args['expect-failure'] || args['cancel-after']) resolve({ failed: f.cause });
        else reject(new Error('call failed: ' + f.cause + '\n' + log.join('\n')));
      });
      if (args['cancel-after']) setTimeout(() => { if (!s.isEstablished()) s.terminate(); }, Number(args['cancel-after']));
      s.on('confirmed', () => { clearTimeout(timer); progress('confirmed'); resolve(s); });
      // An INVITE without an offer (click-to-call from the API) needs the audio asked for here.
      if (e.originator === 'remote') {
        s.answer({ ...options, rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: !!args.video } });
      }
    });
    ua.on('connected', () => {
      log.push('connected');
      if (!args.answer) {
        if (args.register) ua.once('registered', () => ua.call(args.call, options));
        else ua.call(args.call, options);
      }
    });
    ua.start();
  });
  if (session.failed !== undefined) {
    await new Promise((r) => setTimeout(r, 500));
    ua.stop();
    return { failed: session.failed };
  }
  async function received() {
    let n = 0;
    (await session.connection.getStats()).forEach((e) => {
      if (e.type === 'inbound-rtp' && e.kind === 'audio') n += e.packetsReceived;
    });
    return n;
  }
  const transfer = {};
  if (args['accept-refer']) {
    // A blind transfer (the gateway's REFER): accepted, the target called; what follows is
    // measured on that call, once the gateway ended the old one.
    const old = session;
    session = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no transfer within 30 s: ' + log.join('; '))), 30000);
      old.on('refer', (r) => {
        progress('refer');
        transfer.referTo = r.request.refer_to.uri.toString();
        r.accept((s) => {
          s.on('confirmed', () => { clearTimeout(t); progress('transferred'); resolve(s); });
          s.on('failed', (f) => { clearTimeout(t); reject(new Error('the transfer call failed: ' + f.cause)); });
        }, options);
      });
    });
    await new Promise((resolve) => {
      if (old.isEnded()) return resolve();
      old.on('ended', resolve);
      setTimeout(resolve, 10000);
    });
    transfer.oldEnded = old.isEnded();
  }
  const holdInfo = {};
  if (args.hold) {
    await new Promise((r) => setTimeout(r, args.seconds * 500));
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('hold not confirmed')), 10000);
      session.hold({}, () => { clearTimeout(t); resolve(); });
    });
    holdInfo.held = session.isOnHold().local;
    await new Promise((r) => setTimeout(r, 2000));
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('resume not confirmed')), 10000);
      session.unhold({}, () => { clearTimeout(t); resolve(); });
    });
    holdInfo.receivedAtResume = await received();
    await new Promise((r) => setTimeout(r, args.seconds * 500));
    holdInfo.receivedAfterResume = (await received()) - holdInfo.receivedAtResume;
  } else if (args['dtmf-info'] || args['dtmf-rfc2833']) {
    const pause = (ms) => new Promise((r) => setTimeout(r, ms));
    await pause(1500);  // audio under way: the relay writes converted digits over it
    if (args['dtmf-info']) {
      session.sendDTMF(args['dtmf-info'], { transportType: 'INFO', duration: 160, interToneGap: 400 });
      await pause(args['dtmf-info'].length * 560 + 800);
    }
    if (args['dtmf-rfc2833']) {
      session.sendDTMF(args['dtmf-rfc2833'], { transportType: 'RFC2833', duration: 160, interToneGap: 400 });
      await pause(args['dtmf-rfc2833'].length * 560 + 800);
    }
    await pause(Math.max(0, args.seconds * 1000 - 1500));
  } else {
    await new Promise((r) => setTimeout(r, args.seconds * 1000));
  }
  const stats = { packetsSent: 0, packetsReceived: 0, bytesReceived: 0, ...holdInfo, ...transfer };
  if (args.video) Object.assign(stats, { videoPacketsSent: 0, videoPacketsReceived: 0 });
  const report = await session.connection.getStats();
  report.forEach((entry) => {
    if (args.video && entry.type === 'outbound-rtp' && entry.kind === 'video') stats.videoPacketsSent += entry.packetsSent;
    if (args.video && entry.type === 'inbound-rtp' && entry.kind === 'video') stats.videoPacketsReceived += entry.packetsReceived;
    if (entry.type === 'outbound-rtp' && entry.kind === 'audio') stats.packetsSent += entry.packetsSent;
    if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
      stats.packetsReceived += entry.packetsReceived;
      stats.bytesReceived += entry.bytesReceived;
    }
    if (entry.type === 'transport') {
      stats.dtlsState = entry.dtlsState;
      stats.srtpCipher = entry.srtpCipher;
    }
    if (entry.type === 'candidate-pair' && entry.state === 'succeeded') stats.pairSucceeded = true;
  });
  stats.iceConnectionState = session.connection.iceConnectionState;
  stats.infoDigits = infoDigits;
  if (args.answer) {
    // The caller hangs up; wait for its BYE (or give up and hang up ourselves after 20 s).
    await new Promise((resolve) => {
      if (session.isEnded()) return resolve();
      session.on('ended', resolve);
      setTimeout(() => { if (!session.isEnded()) session.terminate(); resolve(); }, 20000);
    });
    stats.endedBy = session.isEnded() ? 'peer' : 'us';
  } else {
    session.terminate();
  }
  await new Promise((r) => setTimeout(r, 500));
  ua.stop();
  return stats;
}

// Debian's Chromium, headless, with the flags WebRTC on loopback needs (loopback candidates,
// 127.0.0.1 instead of mDNS names, a fake microphone) and self-signed certificates accepted.
function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--allow-loopback-in-peer-connection',
      '--disable-features=WebRtcHideLocalIpsWithMdns', '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream', '--ignore-certificate-errors',
    ],
  });
}

async function main() {
  const args = parseArgs(process.argv);
  const server = await servePage(bundleJsSip());
  const browser = await launchChromium();
  let code = 0;
  try {
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    const verbose = !!process.env.JSSIP_DEBUG;
    page.on('console', (m) => {
      if (m.text().startsWith('rtcgate-e2e ')) process.stdout.write('# ' + m.text().slice(12) + '\n');
      else if (verbose || m.type() === 'error') process.stderr.write('page: ' + m.text() + '\n');
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const stats = await page.evaluate(runInPage, { ...args, debug: verbose });
    process.stdout.write(JSON.stringify(stats) + '\n');
  } catch (error) {
    process.stderr.write('browser_call: ' + error.message + '\n');
    code = 1;
  } finally {
    await browser.close();
    server.close();
  }
  process.exit(code);
}

if (require.main === module) main();
module.exports = { bundleJsSip, servePage, launchChromium };
