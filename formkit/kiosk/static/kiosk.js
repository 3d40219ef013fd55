// The counter tablet: idle → rating → (follow-up after a low rating) → thank-you → idle.
// Every finished rating is queued in localStorage first (it survives a reload and the tablet
// sleeping), then sent; the queue is resent on reconnect, on a timer and when the page shows
// again. Nothing personal is kept: the queue holds ratings until the server acknowledges them.
'use strict';

const KEYS = { token: 'formkit.kiosk.token', config: 'formkit.kiosk.config', queue: 'formkit.kiosk.queue' };
const TAP_GUARD_MS = 2000;   // a second tap on the same question within this is a bounce, ignored
const CONFIG_MS = 60000;     // who is serving, and whether the tablet is still paired
const BATCH = 50;

const $ = (id) => document.getElementById(id);
const saved = {
  get(key, fallback) {
    try { const v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  },
  set(key, value) { localStorage.setItem(key, JSON.stringify(value)); },
  drop(key) { localStorage.removeItem(key); },
};

let config = saved.get(KEYS.config, null);
let token = saved.get(KEYS.token, null);
let rating = null;           // the rating in progress: {answers, receipt}
let screen = null;
let lastTouch = Date.now();
let sending = false;
const lastTap = new Map();

// A random UUID (v4) from crypto.getRandomValues: randomUUID needs HTTPS, the office LAN is HTTP.
function newId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function show(name) {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== name;
  screen = name;
  document.body.dataset.screen = name;
  $('staff-button').hidden = name !== 'idle';
  lastTouch = Date.now();
}

// The queue: localStorage, and — only if the tablet's storage is full — ratings held in memory
// until sent (the footer tells staff to keep the page open and the PC reachable).
let unsaved = [];
function queue() { return [...saved.get(KEYS.queue, []), ...unsaved]; }

function keep(waiting) {
  try {
    saved.set(KEYS.queue, waiting);
    unsaved = [];
  } catch (e) {  // QuotaExceededError: what is stored stays (less what was sent), the rest waits in memory
    const ids = new Set(waiting.map((r) => r.id));
    const kept = saved.get(KEYS.queue, []).filter((r) => ids.has(r.id));
    try { saved.set(KEYS.queue, kept); } catch (e2) { /* a shorter list always fits */ }
    const keptIds = new Set(kept.map((r) => r.id));
    unsaved = waiting.filter((r) => !keptIds.has(r.id));
  }
}

function showWaiting() {
  const n = queue().length;
  $('waiting').textContent = (n ? `Chờ gửi: ${n} đánh giá` : 'Đã gửi hết')
    + (unsaved.length ? ` — bộ nhớ máy đầy, ${unsaved.length} chưa lưu được: đừng tắt trang` : '');
  document.body.dataset.waiting = String(n);
}

function setOnline(ok) {
  $('link-state').className = ok ? 'online' : 'offline';
  $('link-state').title = ok ? 'Đã kết nối máy chủ' : 'Mất kết nối máy chủ';
}

async function call(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined,
                                       cache: 'no-store' });
  let data = {};
  try { data = await response.json(); } catch (e) { /* an empty or HTML answer */ }
  return { status: response.status, data };
}

function unpaired() {
  token = null;
  saved.drop(KEYS.token);
  saved.drop(KEYS.config);
  config = null;
  if (screen === 'idle' || screen === 'staff' || screen === null) showPairing();
}

// Pairing ------------------------------------------------------------------------------------
function showPairing() {
  $('pair-error').textContent = '';
  show('pair');
  $('pair-code').focus();
}

async function pair(code) {
  try {
    const { status, data } = await call('POST', '/api/pair', { code });
    if (status === 200) {
      token = data.token;
      saved.set(KEYS.token, token);
      useConfig(data.config);
      setOnline(true);
      showIdle();
      flush();
    } else {
      $('pair-error').textContent = status === 429 ? 'Thử quá nhiều lần, vui lòng đợi một phút.'
                                                    : 'Mã ghép nối không đúng hoặc đã hết hạn.';
    }
  } catch (e) {
    $('pair-error').textContent = 'Không kết nối được máy chủ.';
  }
}

function useConfig(next) {
  config = next;
  saved.set(KEYS.config, config);
}

async function refreshConfig() {
  if (!token) return;
  try {
    const { status, data } = await call('GET', '/api/config');
    setOnline(status !== 0);
    if (status === 200) {
      useConfig(data);
      if (screen === 'idle') showIdle();
    } else if (status === 401) {
      unpaired();
    }
  } catch (e) {
    setOnline(false);
  }
}

// Idle ---------------------------------------------------------------------------------------
function showIdle() {
  rating = null;
  if (!config) { showPairing(); return; }  // revoked meanwhile: pair again (the queue is kept)
  $('idle-commune').textContent = config.commune;
  $('idle-counter').textContent = config.counter;
  const officer = config.officer;
  $('officer-title').textContent = officer ? (officer.title || 'Cán bộ') : '';
  $('officer-name').textContent = officer ? officer.name : '';
  $('officer-photo').hidden = !(officer && officer.photo);
  if (officer && officer.photo) $('officer-photo').src = officer.photo;
  $('idle-invite').textContent = config.stage === 'return' ? 'Mời Ông/Bà đánh giá việc trả kết quả'
                                                           : 'Mời Ông/Bà đánh giá cán bộ tiếp nhận';
  $('receipt').value = '';
  show('idle');
  showWaiting();
}

// A USB barcode scanner is a keyboard: characters then Enter. On the idle screen they fill the
// receipt number even when the field does not have the focus.
let scanned = '';
document.addEventListener('keydown', (event) => {
  lastTouch = Date.now();
  if (screen !== 'idle') return;
  if (event.target === $('receipt')) {
    if (event.key === 'Enter') { event.preventDefault(); start(); }
    return;
  }
  if (event.key === 'Enter') {
    if (scanned) { $('receipt').value = scanned; scanned = ''; }
  } else if (event.key.length === 1) {
    scanned = (scanned + event.key).slice(-40);
  }
});

// Rating -------------------------------------------------------------------------------------
function start() {
  if (!config || screen !== 'idle') return;
  rating = { answers: {}, receipt: $('receipt').value.trim().toUpperCase() };
  lastTap.clear();
  $('rate-title').textContent = config.title;
  $('rate-receipt').hidden = !rating.receipt;
  $('rate-receipt').textContent = `Số biên nhận: ${rating.receipt}`;
  const box = $('questions');
  box.textContent = '';
  box.className = config.questions.length > 3 ? 'many' : '';
  config.questions.forEach((q, i) => {
    const block = document.createElement('div');
    block.className = 'question';
    const title = document.createElement('h2');
    title.textContent = `${i + 1}. ${q.title}`;
    const choices = document.createElement('div');
    choices.className = 'choices';
    choices.setAttribute('role', 'group');
    choices.setAttribute('aria-label', q.title);
    for (const option of q.options) {
      const button = document.createElement('button');
      button.className = `choice${option.good ? ' good' : ''}${option.low ? ' low' : ''}`;
      button.textContent = option.label;
      button.setAttribute('aria-pressed', 'false');
      button.dataset.question = q.id;
      button.addEventListener('click', () => choose(q.id, option.label, button));
      choices.appendChild(button);
    }
    block.append(title, choices);
    box.appendChild(block);
  });
  $('send').disabled = true;
  show('rate');
}

function choose(questionId, label, button) {
  const now = Date.now();
  if (now - (lastTap.get(questionId) || 0) < TAP_GUARD_MS) return;  // a bounce, or a second press
  lastTap.set(questionId, now);
  rating.answers[questionId] = label;
  for (const b of document.querySelectorAll(`.choice[data-question="${CSS.escape(questionId)}"]`)) {
    b.setAttribute('aria-pressed', String(b === button));
  }
  $('send').disabled = config.questions.some((q) => !(q.id in rating.answers));
}

function isLow() {
  return config.questions.some((q) => q.options.some((o) => o.low && rating.answers[q.id] === o.label));
}

function send() {
  if (!rating || screen !== 'rate' || $('send').disabled) return;
  if (isLow() && config.comment) {
    $('comment').value = '';
    show('followup');
    return;
  }
  finish('');
}

function finish(comment) {
  if (!rating) return;
  const done = { id: newId(), at: Date.now(), officer: config.officer ? config.officer.id : null,
                 answers: rating.answers, receipt: rating.receipt, comment };
  rating = null;  // a second tap on "Gửi" finds nothing to send
  keep([...queue(), done]);
  showWaiting();
  show('thanks');
  setTimeout(() => { if (screen === 'thanks') showIdle(); }, ((config && config.thanks_seconds) || 6) * 1000);
  flush();
}

// Sending ------------------------------------------------------------------------------------
async function flush() {
  if (sending || !token) return;
  sending = true;
  try {
    for (;;) {
      const batch = queue().slice(0, BATCH);
      if (!batch.length) break;
      let status, data;
      try {
        ({ status, data } = await call('POST', '/api/ratings', { ratings: batch }));
      } catch (e) {
        setOnline(false);
        break;
      }
      setOnline(true);
      if (status === 401) { unpaired(); break; }
      if (status !== 200) break;  // busy, rate-limited or the store refused: kept, tried again later
      const done = new Set([...(data.acked || []), ...(data.rejected || [])]);
      if (!done.size) break;
      keep(queue().filter((r) => !done.has(r.id)));
      showWaiting();
    }
  } finally {
    sending = false;
    showWaiting();
  }
}

// Staff --------------------------------------------------------------------------------------
function showStaff() {
  $('pin').value = '';
  $('pin-error').textContent = '';
  $('staff-info').textContent = `Thiết bị ${config.device} · ${config.counter} · chờ gửi: ${queue().length}`;
  show('staff');
  $('pin').focus();
}

async function submitPin(pin) {
  try {
    const { status, data } = await call('POST', '/api/officer', { pin });
    if (status === 200) { useConfig(data); showIdle(); return; }
    if (status === 401) { unpaired(); return; }
    $('pin-error').textContent = status === 429 ? 'Thử quá nhiều lần, vui lòng đợi vài phút.' : 'Mã PIN không đúng.';
  } catch (e) {
    $('pin-error').textContent = 'Không kết nối được máy chủ; thử lại khi có kết nối.';
  }
}

// Wiring -------------------------------------------------------------------------------------
$('pair-form').addEventListener('submit', (e) => { e.preventDefault(); pair($('pair-code').value.trim()); });
$('start').addEventListener('click', start);
$('send').addEventListener('click', send);
$('followup-send').addEventListener('click', () => { if (screen === 'followup') finish($('comment').value.trim()); });
$('followup-skip').addEventListener('click', () => { if (screen === 'followup') finish(''); });
$('staff-button').addEventListener('click', () => { if (screen === 'idle') showStaff(); });
$('pin-form').addEventListener('submit', (e) => { e.preventDefault(); submitPin($('pin').value.trim()); });
$('pin-cancel').addEventListener('click', showIdle);
for (const kind of ['pointerdown', 'input']) {  // a tap, or typing (a soft keyboard sends no keydown for all keys)
  document.addEventListener(kind, () => { lastTouch = Date.now(); }, true);
}

// Back to idle after idle_seconds without a touch; an unfinished rating is dropped (never sent).
setInterval(() => {
  if (!config || !['rate', 'followup', 'staff'].includes(screen)) return;
  if (Date.now() - lastTouch >= (config.idle_seconds || 30) * 1000) showIdle();
}, 500);
// The queue is tried again every resend_seconds (the server says how often) while anything waits.
let lastTry = Date.now();
setInterval(() => {
  if (Date.now() - lastTry >= ((config && config.resend_seconds) || 10) * 1000) { lastTry = Date.now(); flush(); }
}, 1000);
setInterval(refreshConfig, CONFIG_MS);
window.addEventListener('online', flush);
document.addEventListener('visibilitychange', () => { if (!document.hidden) { flush(); refreshConfig(); } });

const code = new URLSearchParams(location.search).get('code');
if (code) history.replaceState(null, '', location.pathname);
if (token && config) { showIdle(); refreshConfig(); flush(); }
else if (code) { showPairing(); pair(code); }
else showPairing();
