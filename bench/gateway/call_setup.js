#!/usr/bin/env node
// Times WebRTC call set-up from a real browser: Chromium (playwright-core) running JsSIP places
// N calls one after another over WebSocket and reports, per call, the milliseconds from the
// INVITE leaving the browser (JsSIP's 'sending', after the offer and ICE gathering) to the first
// received RTP packet (getStats polled every 5 ms) and to 'confirmed', with the milestones on
// the way (ICE and DTLS connected, the browser's first sent RTP packet); `callToInviteMs` is the
// browser's own time before the INVITE (getUserMedia, offer, gathering), the same on any gateway.
//
// usage: call_setup.js --ws URL --target sip:echo@HOST --calls 10 [--user U --password P]
'use strict';
const path = require('path');
const e2e = path.join(__dirname, '..', '..', 'tests', 'e2e');
const { bundleJsSip, servePage, launchChromium } = require(path.join(e2e, 'browser_call.js'));

function parseArgs(argv) {
  const args = { calls: 10, user: 'alice', password: 'alicepw', domain: 'localhost' };
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  args.calls = Number(args.calls);
  return args;
}

async function timeCalls(args) {
  const JsSIP = window.JsSIP;
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(args.ws)], uri: `sip:${args.user}@${args.domain}`,
    password: args.password, register: false, session_timers: false,
  });
  await new Promise((resolve) => { ua.on('connected', resolve); ua.start(); });
  const options = {
    mediaConstraints: { audio: true, video: false },
    pcConfig: { iceServers: [], rtcpMuxPolicy: 'require', bundlePolicy: 'balanced' },
  };
  const results = [];
  for (let i = 0; i < args.calls; ++i) {
    const start = performance.now();
    const timing = await new Promise((resolve, reject) => {
      const out = {};
      let sent = start;
      const session = ua.call(args.target, {
        ...options,
        eventHandlers: {
          sending: () => { sent = performance.now(); out.callToInviteMs = sent - start; },
          // Where the time goes between 'confirmed' and media: ICE, then DTLS (connectionState).
          peerconnection: ({ peerconnection: pc }) => {
            pc.addEventListener('iceconnectionstatechange', () => {
              if (pc.iceConnectionState === 'connected' && out.iceMs === undefined) out.iceMs = performance.now() - sent;
            });
            pc.addEventListener('connectionstatechange', () => {
              if (pc.connectionState === 'connected' && out.dtlsMs === undefined) out.dtlsMs = performance.now() - sent;
            });
          },
        },
      });
      const timer = setTimeout(() => reject(new Error('call ' + i + ' timed out')), 20000);
      session.on('failed', (e) => { clearTimeout(timer); reject(new Error('call failed: ' + e.cause)); });
      session.on('confirmed', () => { out.confirmedMs = performance.now() - sent; });
      const poll = setInterval(async () => {
        if (!session.connection) return;
        let received = 0;
        let sentPackets = 0;
        (await session.connection.getStats()).forEach((e) => {
          if (e.type === 'inbound-rtp' && e.kind === 'audio') received += e.packetsReceived;
          if (e.type === 'outbound-rtp' && e.kind === 'audio') sentPackets += e.packetsSent;
        });
        const now = performance.now() - sent;
        // The browser's own first packet: with an echoing callee no media can come back sooner.
        if (sentPackets > 0 && out.firstSentMs === undefined) out.firstSentMs = now;
        if (received > 0 && out.firstMediaMs === undefined) out.firstMediaMs = now;
        if (out.firstMediaMs !== undefined && out.confirmedMs !== undefined) {
          clearInterval(poll);
          clearTimeout(timer);
          session.terminate();
          resolve(out);
        }
      }, 5);
    });
    results.push(timing);
    await new Promise((r) => setTimeout(r, 500));
  }
  ua.stop();
  return results;
}

async function main() {
  const args = parseArgs(process.argv);
  const server = await servePage(bundleJsSip());
  const browser = await launchChromium();
  let code = 0;
  try {
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    process.stdout.write(JSON.stringify(await page.evaluate(timeCalls, args)) + '\n');
  } catch (error) {
    process.stderr.write('call_setup: ' + error.message + '\n');
    code = 1;
  } finally {
    await browser.close();
    server.close();
  }
  process.exit(code);
}

main();
