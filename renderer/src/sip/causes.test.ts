import JsSIP from 'jssip';
import { describe, expect, it } from 'vitest';
import { en } from '../../../common/i18n/en';
import { fixedT } from '../../../common/i18n/translate';
import { causeText, namedSipStatuses, sipAnswerText } from './causes';

const ru = fixedT('ru');
const english = fixedT('en');
/** A Russian text with an English word left in it (SIP, SDP, RTP, ACK, WebRTC are names, not words). */
const englishWord = (text: string) => /\b(?!(?:SIP|SDP|RTP|ACK|WebRTC)\b)[A-Za-z]{2,}\b/.exec(text)?.[0] ?? null;

describe("a call's end cause in the UI's language", () => {
  it("names every JsSIP cause by JsSIP's own English string, so a stored cause is recognised", () => {
    expect(en.cause).toEqual(JsSIP.C.causes);
  });

  it('every JsSIP cause reads in Russian under Russian, and as JsSIP says it under English', () => {
    for (const cause of Object.values(JsSIP.C.causes)) {
      const text = causeText(ru, cause);
      expect(text, cause).not.toBe(cause);
      expect(englishWord(text), `${cause} → ${text}`).toBeNull();
      expect(causeText(english, cause)).toBe(cause);
    }
    expect(causeText(ru, JsSIP.C.causes.BUSY)).toBe('занято');
    expect(causeText(ru, JsSIP.C.causes.REQUEST_TIMEOUT)).toBe('истекло время ожидания ответа');
  });

  it('a SIP answer keeps its code and reads its meaning in the language; an unknown code keeps the PBX words', () => {
    expect(causeText(ru, '486 Busy Here')).toBe('486 занято');
    expect(causeText(english, '486 Busy Here')).toBe('486 Busy Here');
    expect(causeText(ru, '480 Temporarily Unavailable')).toBe('480 временно недоступен');
    expect(causeText(ru, '499 Custom Thing')).toBe('499 Custom Thing');
    for (const code of namedSipStatuses) expect(englishWord(sipAnswerText(ru, code, 'Whatever')), String(code)).toBeNull();
  });

  it('a text the engine already wrote in words passes unchanged', () => {
    expect(causeText(ru, 'Нет ответа в течение 2 мин')).toBe('Нет ответа в течение 2 мин');
  });
});
