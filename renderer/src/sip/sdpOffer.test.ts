import { describe, expect, it } from 'vitest';
import { fixedT } from '../../../common/i18n/translate';
import { offeredVoiceCodecs, unanswerableOffer, unanswerableText } from './sdpOffer';

const chromium = ['OPUS', 'G722', 'PCMU', 'PCMA'];
const offer = (m: string, extra = '') => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${m}\r\n${extra}`;

describe('what an incoming offer asks for', () => {
  it('names the voice codecs of the audio sections in use, static and dynamic, without DTMF and comfort noise', () => {
    expect(offeredVoiceCodecs(offer('m=audio 4000 RTP/AVP 8 0 101 13', 'a=rtpmap:101 telephone-event/8000\r\n'))).toEqual(['PCMA', 'PCMU']);
    expect(offeredVoiceCodecs(offer('m=audio 4000 UDP/TLS/RTP/SAVPF 111 9', 'a=rtpmap:111 opus/48000/2\r\na=rtpmap:9 G722/8000\r\n'))).toEqual(['OPUS', 'G722']);
    expect(offeredVoiceCodecs(offer('m=audio 0 RTP/AVP 8'))).toEqual([]);
    expect(offeredVoiceCodecs(offer('m=video 4000 RTP/AVP 96', 'a=rtpmap:96 VP8/90000\r\n'))).toEqual([]);
  });

  it('an offer with a codec in common can be answered', () => {
    expect(unanswerableOffer(offer('m=audio 4000 RTP/AVP 18 8'), chromium)).toBeNull();
  });

  it('G.729 alone, or no audio at all, cannot: the reason names what was offered and what this phone has', () => {
    const g729 = unanswerableOffer(offer('m=audio 4000 RTP/AVP 18 101', 'a=rtpmap:18 G729/8000\r\na=rtpmap:101 telephone-event/8000\r\n'), chromium);
    expect(g729).toEqual({ offered: ['G729'], have: chromium });
    expect(unanswerableText(g729!)).toBe('the caller offered only G729; this phone speaks OPUS, G722, PCMU, PCMA');
    expect(unanswerableText(unanswerableOffer(offer('m=audio 0 RTP/AVP 8'), chromium)!)).toBe('the caller offered no audio');
  });

  it('the reason reads in Russian under Russian (the codecs keep their names)', () => {
    const ru = fixedT('ru');
    expect(unanswerableText({ offered: ['G729'], have: ['OPUS', 'PCMA'] }, ru)).toBe('звонящий предлагает только G729, а этот телефон поддерживает OPUS, PCMA');
    expect(unanswerableText({ offered: [], have: ['OPUS'] }, ru)).toBe('звонящий не предложил звук');
  });
});
