/**
 * The bare JsSIP page of scripts/bench/answer-latency.ts (bundled by esbuild, run in the same
 * Chromium as Frontdesk): nothing of Frontdesk's, only the project's own `jssip` dependency, as a
 * developer would write a minimal phone with it. A UA registers over the lab's WebSocket and, for
 * each incoming call, either answers at once on `newRTCSession` (`auto=1`) or shows an "Answer"
 * button and answers when it is clicked, then plays the caller's audio.
 *
 * It shows what the benchmark already waits for on Frontdesk, in the same form: a status
 * "Registered as USER" (role status, name Registration) and a call as `article[data-phase]`.
 * Settings come in the query string: user, password, domain, ws, auto.
 */
import JsSIP from 'jssip';
import type { PeerConnectionEvent } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent } from 'jssip/lib/UA';

const q = new URLSearchParams(location.search);
const user = q.get('user') ?? '';
const autoAnswer = q.get('auto') === '1';

const status = document.createElement('p');
status.setAttribute('role', 'status');
status.setAttribute('aria-label', 'Registration');
status.textContent = 'Connecting';
document.body.append(status);

const ua = new JsSIP.UA({
  sockets: [new JsSIP.WebSocketInterface(q.get('ws') ?? '')],
  uri: `sip:${user}@${q.get('domain') ?? ''}`,
  password: q.get('password') ?? '',
  register: true,
});
ua.on('registered', () => (status.textContent = `Registered as ${user}`));
ua.on('registrationFailed', (e) => (status.textContent = `Registration failed: ${e.cause}`));

const options = { mediaConstraints: { audio: true, video: false } };

ua.on('newRTCSession', ({ session, originator }: RTCSessionEvent) => {
  if (originator !== 'remote') return;
  const card = document.createElement('article');
  card.dataset.phase = 'ringing';
  document.body.append(card);
  const audio = new Audio();
  audio.autoplay = true;
  session.on('peerconnection', ({ peerconnection }: PeerConnectionEvent) =>
    peerconnection.addEventListener('track', (e: RTCTrackEvent) => {
      audio.srcObject = e.streams[0] ?? new MediaStream([e.track]);
    }),
  );
  session.on('confirmed', () => (card.dataset.phase = 'active'));
  const end = () => {
    audio.srcObject = null;
    card.remove();
  };
  session.on('ended', end);
  session.on('failed', end);
  if (autoAnswer) {
    session.answer(options);
    return;
  }
  const answer = document.createElement('button');
  answer.type = 'button';
  answer.textContent = 'Answer';
  answer.addEventListener('click', () => {
    answer.remove();
    session.answer(options);
  });
  card.append(answer);
});

ua.start();
// Leaving the page unregisters, so the lab forks no later call to a dead contact.
window.addEventListener('pagehide', () => ua.stop());
