/**
 * What an incoming SDP offer asks for, read before a call rings: an offer with no audio codec this
 * browser can decode would leave Answer waiting for ever (Chromium rejects the audio section and
 * JsSIP waits for ICE on a transport that never comes), so it is refused at once with 488.
 * Pure (no JsSIP, no DOM), unit-tested.
 */
import type { TFunction } from 'i18next';
import { fixedT } from '../../../common/i18n/translate';

/** RFC 3551's static audio payload types, by number. */
const staticAudio: Record<number, string> = {
  0: 'PCMU',
  3: 'GSM',
  4: 'G723',
  5: 'DVI4',
  6: 'DVI4',
  7: 'LPC',
  8: 'PCMA',
  9: 'G722',
  10: 'L16',
  11: 'L16',
  12: 'QCELP',
  13: 'CN',
  14: 'MPA',
  15: 'G728',
  16: 'DVI4',
  17: 'DVI4',
  18: 'G729',
};

/** Payload formats that carry no voice of their own. */
const notVoice = new Set(['TELEPHONE-EVENT', 'CN', 'RED', 'RTX', 'ULPFEC', 'FLEXFEC-03']);

/**
 * The voice codecs an offer proposes in its audio sections that are in use (port not 0), by name
 * in upper case ("PCMA", "OPUS", "G729"). Empty when it has no usable audio section.
 */
export function offeredVoiceCodecs(sdp: string): string[] {
  const out: string[] = [];
  const sections = sdp.split(/\r?\n(?=m=)/);
  for (const section of sections) {
    const m = /^m=audio\s+(\d+)(?:\/\d+)?\s+\S+\s*(.*)$/m.exec(section);
    if (!m || Number(m[1]) === 0) continue;
    const rtpmap = new Map<number, string>();
    for (const r of section.matchAll(/^a=rtpmap:(\d+)\s+([^/\s]+)/gm)) rtpmap.set(Number(r[1]), r[2]!.toUpperCase());
    for (const pt of (m[2] ?? '').trim().split(/\s+/).filter(Boolean).map(Number)) {
      const name = rtpmap.get(pt) ?? staticAudio[pt];
      if (name && !notVoice.has(name) && !out.includes(name)) out.push(name);
    }
  }
  return out;
}

/** Why an offer cannot be answered: the codecs it offers (none: no audio) and those this phone has. */
export interface UnanswerableOffer {
  offered: string[];
  have: string[];
}

/**
 * Why an offer cannot be answered, or null when it can: no audio section, or none of its voice
 * codecs is one this browser has (`supported`: names in upper case).
 */
export function unanswerableOffer(sdp: string, supported: readonly string[]): UnanswerableOffer | null {
  const offered = offeredVoiceCodecs(sdp);
  const have = new Set(supported.map((s) => s.toUpperCase()));
  if (offered.length > 0 && offered.some((c) => have.has(c))) return null;
  return { offered, have: [...have].filter((c) => !notVoice.has(c)) };
}

/**
 * The reason in words: "the caller offered only G729; this phone speaks OPUS, PCMA". `t`: the
 * language (English, for the log and the Warning header, unless the window passes its own).
 */
export function unanswerableText(problem: UnanswerableOffer, t: TFunction = fixedT('en')): string {
  if (problem.offered.length === 0) return t('sip.noAudioOffered');
  return t('sip.codecsApart', { offered: problem.offered.join(', '), have: problem.have.join(', ') });
}

let decodable: string[] | undefined;

/**
 * The voice codecs this browser decodes (RTCRtpReceiver.getCapabilities), or null where it cannot
 * say. Asked once: they do not change while the page lives, and every incoming INVITE reads them
 * before its 180 goes out.
 */
export function browserVoiceCodecs(): string[] | null {
  if (decodable) return decodable;
  const caps = typeof RTCRtpReceiver !== 'undefined' ? RTCRtpReceiver.getCapabilities?.('audio') : null;
  if (!caps) return null;
  decodable = [...new Set(caps.codecs.map((c) => c.mimeType.split('/')[1]?.toUpperCase() ?? '').filter((n) => n && !notVoice.has(n)))];
  return decodable;
}
