import { describe, expect, it } from 'vitest';
import { fixedT } from '../../../common/i18n/translate';
import type { Call } from '../sip/callMachine';
import { endLabel } from './format';

const ended = (endReason: Call['endReason'], endCause: string | null) => ({ endReason, endCause }) as Call;

describe('how a call ended, in the UI language', () => {
  it("puts JsSIP's cause and the PBX's answer into Russian under Russian", () => {
    const ru = fixedT('ru');
    expect(endLabel(ru, ended('rejected', 'Busy'))).toBe('Не дозвонились (занято)');
    expect(endLabel(ru, ended('rejected', '486 Busy Here'))).toBe('Не дозвонились (486 занято)');
    expect(endLabel(ru, ended('failed', 'Request Timeout'))).toBe('Звонок не удался (истекло время ожидания ответа)');
    expect(endLabel(ru, ended('no-answer', 'No Answer'))).toBe('Нет ответа');
  });

  it('reads as before under English', () => {
    const en = fixedT('en');
    expect(endLabel(en, ended('rejected', '486 Busy Here'))).toBe('Not reached (486 Busy Here)');
    expect(endLabel(en, ended('failed', 'Incompatible SDP'))).toBe('Call failed (Incompatible SDP)');
  });
});
