// The demo phone: JsSIP registered over WSS to rtcgate, one call at a time. No framework: a
// handful of DOM elements, updated from JsSIP's UA and RTCSession events.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const SETTINGS_KEY = 'rtcgate.phone';
  const INSTANCE_KEY = 'rtcgate.phone.instance';
  // reconnecting: the WebSocket dropped during a call; resumed: calls brought back since.
  const phone = { ua: null, session: null, timer: null, answeredAt: 0, reconnecting: false,
                  resumed: 0 };
  // For the browser console and the end-to-end test (which reads the call's getStats()).
  window.rtcgatePhone = phone;
  // webrtc.ice_servers from the server's config.json; `turn`: the server hands out short-lived
  // TURN credentials at /phone/turn-credentials (the phone has no API token, so it cannot use
  // /api/v1/turn-credentials).
  const iceConfig = { urls: [], turn: false };

  function showBanner(html) {
    $('banner').innerHTML = html;
    $('banner').classList.remove('hidden');
  }

  function hideBanner() {
    $('banner').classList.add('hidden');
  }

  function setRegistration(state, text, tone) {
    const pill = $('reg-status');
    pill.dataset.state = state;
    pill.textContent = text;
    pill.className = 'pill' + (tone ? ' ' + tone : '');
  }

  function setCallStatus(state, text) {
    $('call-status').dataset.state = state;
    $('call-status').textContent = text || state;
  }

  function updateButtons() {
    const registered = phone.ua !== null && phone.ua.isRegistered();
    const inCall = phone.session !== null;
    $('register').disabled = phone.ua !== null;
    $('unregister').disabled = phone.ua === null;
    $('call').disabled = !registered || inCall;
    $('hangup').disabled = !inCall;
  }

  // Where the page was served from decides the defaults: the wss listener itself (https) points at
  // its own host and port; elsewhere (the management server) the server's config.json says where.
  async function loadDefaults() {
    let server = {};
    try {
      const response = await fetch('/phone/config.json', { cache: 'no-store' });
      if (response.ok) server = await response.json();
    } catch (e) {
      // A static copy of the page without the server's config.json still works.
    }

    const domains = Array.isArray(server.domains) ? server.domains : [];
    iceConfig.urls = Array.isArray(server.ice_servers) ? server.ice_servers : [];
    iceConfig.turn = server.turn === true;
    // A listener on every address (0.0.0.0, [::]) is reached at the host the page came from.
    const host = location.hostname;
    const wss = (server.wss || '').replace(/^(wss:\/\/)(0\.0\.0\.0|\[::\])(?=:)/, '$1' + host);
    return {
      domain: domains.length === 0 || domains.includes(host) ? host : domains[0],
      wss: location.protocol === 'https:' ? 'wss://' + location.host
                                          : wss || 'wss://127.0.0.1:8443',
    };
  }

  async function fillForm() {
    const defaults = await loadDefaults();
    let saved = {};
    try {
      saved = JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}');
    } catch (e) {
      saved = {};
    }
    $('user').value = saved.user || '';
    $('domain').value = saved.domain || defaults.domain;
    $('wss').value = saved.wss || defaults.wss;
    $('stun').value = saved.stun || '';
  }

  function settings() {
    let user = $('user').value.trim();
    let domain = $('domain').value.trim();
    // "alice@localhost" in the user field is what people type; split it rather than fail.
    const at = user.indexOf('@');
    if (at > 0) {
      if (!domain) domain = user.slice(at + 1);
      user = user.slice(0, at);
    }
    return { user, domain, password: $('password').value, wss: $('wss').value.trim(),
             stun: $('stun').value.trim() };
  }

  // Credentials that expire are fetched again for every call. Without them, TURN URLs are left
  // out (a browser refuses a TURN server without credentials) and the STUN ones still help.
  async function turnServer() {
    if (!iceConfig.turn) return null;
    try {
      const response = await fetch('/phone/turn-credentials', { cache: 'no-store' });
      if (!response.ok) return null;
      const c = await response.json();
      return { urls: c.uris, username: c.username, credential: c.password };
    } catch (e) {
      return null;
    }
  }

  async function iceServers() {
    const servers = [];
    const stun = $('stun').value.trim();
    if (stun) servers.push({ urls: stun.split(/[\s,]+/).filter(Boolean) });
    const turn = await turnServer();
    if (turn) {
      servers.push(turn);
    } else {
      const stunOnly = iceConfig.urls.filter((url) => /^stuns?:/.test(url));
      if (stunOnly.length > 0) servers.push({ urls: stunOnly });
    }
    return servers;
  }

  async function callOptions() {
    return {
      mediaConstraints: { audio: true, video: false },
      pcConfig: {
        iceServers: await iceServers(),
        rtcpMuxPolicy: 'require',
        bundlePolicy: 'max-bundle',
      },
    };
  }

  // The device's RFC 5626 instance id, the same across reconnects and page loads: it is how
  // rtcgate knows that a new WebSocket is this phone coming back for its calls.
  function instanceId() {
    let id = localStorage.getItem(INSTANCE_KEY);
    if (!id && window.crypto && crypto.randomUUID) {
      id = crypto.randomUUID();
      localStorage.setItem(INSTANCE_KEY, id);
    }
    return id || undefined;  // JsSIP makes one for this page's life
  }

  // After the WebSocket came back and the phone registered again: a re-INVITE with an ICE
  // restart, so that media takes the new network path if the old one is gone.
  function resumeCall() {
    const session = phone.session;
    phone.reconnecting = false;
    if (!session || !session.isEstablished()) return;
    setCallStatus('resuming', 'reconnected, renewing the media path…');
    const started = session.renegotiate({ rtcOfferConstraints: { iceRestart: true } }, () => {
      phone.resumed += 1;
      setCallStatus('confirmed', 'in call with ' + remoteName(session) + ' (reconnected)');
    });
    if (!started) setCallStatus('confirmed', 'in call with ' + remoteName(session));
  }

  function register(event) {
    event.preventDefault();
    hideBanner();
    const s = settings();
    if (!s.user || !s.domain || !s.wss) return;
    localStorage.setItem(SETTINGS_KEY,
                         JSON.stringify({ user: s.user, domain: s.domain, wss: s.wss, stun: s.stun }));
    let ua;
    try {
      ua = new JsSIP.UA({
        sockets: [new JsSIP.WebSocketInterface(s.wss)],
        uri: 'sip:' + s.user + '@' + s.domain,
        password: s.password,
        register: true,
        instance_id: instanceId(),
        // Back well within the gateway's calls.reconnect_grace (20 s by default).
        connection_recovery_min_interval: 1,
        connection_recovery_max_interval: 8,
        session_timers: false,
        user_agent: 'rtcgate-phone (JsSIP ' + JsSIP.version + ')',
      });
    } catch (e) {
      showBanner('Cannot start: ' + escapeHtml(e.message));
      return;
    }
    phone.ua = ua;
    ua.on('connecting', () => setRegistration('connecting', 'connecting…', 'warn'));
    ua.on('connected', () => setRegistration('connected', 'connected, registering…', 'warn'));
    ua.on('disconnected', () => {
      if (phone.ua !== ua) return;  // unregistered on purpose
      const page = s.wss.replace(/^ws/, 'http').replace(/^(https?:\/\/[^/]+).*$/, '$1') + '/phone';
      setRegistration('disconnected', 'disconnected', 'bad');
      if (phone.session && phone.session.isEstablished()) {
        // The gateway keeps the call for a while; JsSIP reconnects and registers again.
        phone.reconnecting = true;
        setCallStatus('reconnecting', 'connection lost, reconnecting — the call is kept');
      }
      showBanner('The WebSocket to <code>' + escapeHtml(s.wss) + '</code> is down. If rtcgate ' +
                 'uses a self-signed certificate, open <a href="' + escapeHtml(page) +
                 '" target="_blank">' + escapeHtml(page) + '</a> once and accept it.');
      updateButtons();
    });
    ua.on('registered', () => {
      hideBanner();
      setRegistration('registered', 'registered as ' + s.user + '@' + s.domain, 'good');
      if (phone.reconnecting) resumeCall();
      updateButtons();
    });
    ua.on('unregistered', () => {
      if (phone.ua !== ua) return;
      setRegistration('unregistered', 'not registered');
      updateButtons();
    });
    ua.on('registrationFailed', (e) => {
      const why = e.response ? e.response.status_code + ' ' + e.response.reason_phrase : e.cause;
      setRegistration('failed', 'registration failed: ' + why, 'bad');
      updateButtons();
    });
    ua.on('newRTCSession', (e) => onNewSession(e));
    ua.start();
    updateButtons();
  }

  function unregister() {
    if (phone.session) phone.session.terminate();
    if (phone.ua) phone.ua.stop();
    phone.ua = null;
    setRegistration('idle', 'not registered');
    updateButtons();
  }

  function onNewSession(event) {
    const session = event.session;
    if (phone.session) {
      // One call at a time; a second caller hears busy.
      if (event.originator === 'remote') session.terminate({ status_code: 486 });
      return;
    }
    phone.session = session;
    const attach = (pc) => pc.addEventListener('track', (t) => {
      if (t.streams[0]) $('remote-audio').srcObject = t.streams[0];
    });
    if (session.connection) attach(session.connection);
    else session.on('peerconnection', (e) => attach(e.peerconnection));

    session.on('progress', () => setCallStatus('ringing', 'ringing…'));
    session.on('accepted', () => setCallStatus('answered', 'answered'));
    session.on('confirmed', () => {
      setCallStatus('confirmed', 'in call with ' + remoteName(session));
      startTimer();
    });
    session.on('ended', (e) => endSession('ended: ' + e.cause));
    session.on('failed', (e) => {
      const why = e.message && e.message.status_code ?
          e.message.status_code + ' ' + e.message.reason_phrase : e.cause;
      endSession('failed: ' + why);
    });

    if (event.originator === 'remote') {
      $('caller').textContent = remoteName(session);
      $('incoming').classList.remove('hidden');
      setCallStatus('incoming', 'incoming call from ' + remoteName(session));
    } else {
      setCallStatus('calling', 'calling ' + remoteName(session) + '…');
    }
    updateButtons();
  }

  function remoteName(session) {
    const identity = session.remote_identity;
    if (!identity) return 'unknown';
    const name = identity.display_name;
    const uri = identity.uri.user + '@' + identity.uri.host;
    return name ? name + ' <' + uri + '>' : uri;
  }

  function endSession(text) {
    phone.session = null;
    stopTimer();
    $('incoming').classList.add('hidden');
    $('remote-audio').srcObject = null;
    setCallStatus(text.startsWith('failed') ? 'failed' : 'ended', text);
    updateButtons();
  }

  function startTimer() {
    phone.answeredAt = Date.now();
    stopTimer();
    phone.timer = setInterval(renderTimer, 500);
    renderTimer();
  }

  function stopTimer() {
    if (phone.timer) clearInterval(phone.timer);
    phone.timer = null;
  }

  function renderTimer() {
    const seconds = Math.floor((Date.now() - phone.answeredAt) / 1000);
    const mm = String(Math.floor(seconds / 60)).padStart(2, '0');
    $('timer').textContent = mm + ':' + String(seconds % 60).padStart(2, '0');
  }

  async function dial(event) {
    event.preventDefault();
    const raw = $('target').value.trim();
    if (!raw || !phone.ua || phone.session) return;
    let target = raw.startsWith('sip:') || raw.startsWith('sips:') ? raw : 'sip:' + raw;
    if (!target.includes('@')) target += '@' + settings().domain;
    $('timer').textContent = '00:00';
    try {
      phone.ua.call(target, await callOptions());
    } catch (e) {
      setCallStatus('failed', 'failed: ' + e.message);
    }
  }

  async function answer() {
    const session = phone.session;
    if (!session) return;
    $('incoming').classList.add('hidden');
    $('timer').textContent = '00:00';
    const options = await callOptions();
    // The caller may have given up while the credentials were fetched.
    if (phone.session !== session || session.isEnded()) return;
    // A call placed by the API (click-to-call) arrives without an offer: audio is asked for here.
    session.answer({ ...options, rtcOfferConstraints: { offerToReceiveAudio: true } });
  }

  function reject() {
    if (phone.session) phone.session.terminate({ status_code: 486 });
  }

  function hangup() {
    if (phone.session) phone.session.terminate();
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  }

  async function start() {
    await fillForm();
    if (typeof window.JsSIP === 'undefined') {
      // The build embeds JsSIP only when web/node_modules exists; say how to get it.
      showBanner('JsSIP is not built into this rtcgate binary, so the phone cannot register. ' +
                 'Install it with <code>npm ci --prefix web</code> (or ' +
                 '<code>scripts/install-deps.sh</code>) in the rtcgate source tree, rebuild ' +
                 '(<code>make build</code>) and restart rtcgate.');
      setRegistration('unavailable', 'JsSIP missing', 'bad');
      $('register').disabled = true;
      return;
    }
    $('account').addEventListener('submit', register);
    $('unregister').addEventListener('click', unregister);
    $('dial').addEventListener('submit', dial);
    $('hangup').addEventListener('click', hangup);
    $('answer').addEventListener('click', answer);
    $('reject').addEventListener('click', reject);
    window.addEventListener('beforeunload', () => { if (phone.ua) phone.ua.stop(); });
    updateButtons();
  }

  start();
})();
