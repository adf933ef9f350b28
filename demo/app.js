// The demo page: send a file through the broker on the left, receive streams one at a time on
// the right. It imports the package's browser build as is (no bundler).
import { connect } from '/dist/browser.js';

const $ = (id) => document.getElementById(id);
const state = { url: '', session: undefined, received: [] };
window.__demo = state; // read by the end-to-end test

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  do { v /= 1024; u++; } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

function setStatus(text, kind) {
  const el = $('status');
  el.textContent = text;
  el.className = `status ${kind ?? ''}`;
}

async function session() {
  const url = $('broker').value;
  if (state.session && state.url === url) return state.session;
  await state.session?.close().catch(() => undefined);
  setStatus('connecting…');
  try {
    state.session = await connect(url, { login: 'guest', passcode: 'guest' });
    state.url = url;
    setStatus(`connected to ${state.session.stomp.profile.name}${state.session.stomp.textOnly ? ' (text-only: base64)' : ''}`, 'ok');
    return state.session;
  } catch (err) {
    state.session = undefined;
    setStatus(`cannot connect: ${err.message}`, 'bad');
    throw err;
  }
}

/** Updates a progress bar and counters at most every 100 ms. */
function meter(bar, bytesEl, rateEl, total) {
  const t0 = performance.now();
  let last = 0;
  return (n, force) => {
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    bar.max = total || 1;
    bar.value = total ? n : 0;
    bytesEl.textContent = total ? `${formatBytes(n)} of ${formatBytes(total)}` : formatBytes(n);
    const secs = (now - t0) / 1000;
    if (rateEl && secs > 0) rateEl.textContent = `${(n / 1048576 / secs).toFixed(1)} MiB/s`;
  };
}

async function sendFile(file) {
  const s = await session();
  const ac = new AbortController();
  $('send-transfer').hidden = false;
  $('send-name').textContent = file.name;
  $('send-size').textContent = formatBytes(file.size);
  $('send-result').textContent = '';
  $('send-result').className = 'result';
  $('cancel').hidden = false;
  $('cancel').onclick = () => ac.abort(new Error('cancelled by the sender'));
  const update = meter($('send-progress'), $('send-bytes'), $('send-rate'), file.size);
  const w = s.writable($('destination').value, { name: file.name, size: file.size, contentType: file.type || undefined, digest: 'sha256' });
  const timer = setInterval(() => update(w.stats().bytesWritten), 100);
  try {
    await file.stream().pipeTo(w, { signal: ac.signal });
    const r = await w.receipt;
    update(r.bytes, true);
    $('send-result').innerHTML = `sent and stored ✓<br><span class="digest">sha256 ${r.sha256}</span>`;
    $('send-result').classList.add('ok');
  } catch (err) {
    $('send-result').textContent = ac.signal.aborted ? 'cancelled: the receiver is told why' : `failed: ${err.code ?? ''} ${err.message}`;
    $('send-result').classList.add('bad');
  } finally {
    clearInterval(timer);
    $('cancel').hidden = true;
  }
}

function receivedItem(info) {
  const li = document.createElement('li');
  li.innerHTML = `<div class="row"><span class="name"></span><span class="size"></span></div>
    <progress max="1" value="0"></progress>
    <div class="row small"><span class="bytes"></span><span class="rate"></span></div>
    <div class="result"></div>`;
  li.querySelector('.name').textContent = info.name || info.id;
  li.querySelector('.size').textContent = info.size === undefined ? 'size unknown' : formatBytes(info.size);
  $('received').prepend(li);
  return li;
}

/**
 * Collects a stream as a Blob built from 8 MiB Blob slices, so the page never holds one big
 * ArrayBuffer; Chromium keeps large Blobs on disk beyond its in-memory quota.
 */
async function receiveOne(s) {
  const li = receivedItem(s.info);
  const update = meter(li.querySelector('progress'), li.querySelector('.bytes'), li.querySelector('.rate'), s.info.size);
  const slices = [];
  let pending = [];
  let pendingBytes = 0;
  let n = 0;
  const flush = () => { if (pending.length) slices.push(new Blob(pending)); pending = []; pendingBytes = 0; };
  const result = li.querySelector('.result');
  try {
    await s.readable.pipeTo(new WritableStream({
      write(chunk) {
        pending.push(chunk);
        pendingBytes += chunk.byteLength;
        n += chunk.byteLength;
        if (pendingBytes >= 8 * 1048576) flush();
        update(n);
      },
    }));
    flush();
    update(n, true);
    const r = await s.result;
    const blob = new Blob(slices, { type: s.info.contentType || 'application/octet-stream' });
    const verified = r.producerSha256 ? (r.sha256 === r.producerSha256 ? 'SHA-256 matches the sender’s' : 'SHA-256 DIFFERS from the sender’s') : 'SHA-256 computed here';
    result.innerHTML = `verified ✓ · ${verified} · <a class="download"></a><br><span class="digest">sha256 ${r.sha256}</span>`;
    const a = result.querySelector('a');
    a.href = URL.createObjectURL(blob);
    a.download = s.info.name || `${s.info.id}.bin`;
    a.textContent = 'download';
    result.classList.add('ok');
    state.received.push({ name: s.info.name, bytes: r.length, sha256: r.sha256, producerSha256: r.producerSha256 });
  } catch (err) {
    result.textContent = `failed: ${err.code ?? ''} ${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`;
    result.classList.add('bad');
    state.received.push({ name: s.info.name, error: err.code ?? err.message });
  }
}

async function listen() {
  $('listen').disabled = true;
  $('listen').textContent = 'Receiving…';
  try {
    const s = await session();
    for await (const incoming of s.streams($('destination').value, { digest: 'sha256' })) await receiveOne(incoming);
  } catch (err) {
    setStatus(`receiver stopped: ${err.message}`, 'bad');
  } finally {
    $('listen').disabled = false;
    $('listen').textContent = 'Start receiving';
  }
}

$('file').addEventListener('change', (e) => { const f = e.target.files?.[0]; if (f) void sendFile(f); });
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) void sendFile(f);
});
$('listen').addEventListener('click', () => void listen());
$('broker').addEventListener('change', () => void session().catch(() => undefined));
void session().catch(() => undefined);
