import { describe, expect, it } from 'vitest';
import { q850Of, refusalReason, whyNotTaken } from './refusal';

const header = (line: string) => line.replace(/^Reason:\s*/, '');

describe('a call not taken, read as a person would', () => {
  it('a colleague who pressed Decline declined, whichever code their phone sent', () => {
    expect(whyNotTaken('Sales', { status: 486, reasonPhrase: 'Busy Here', reasonHeader: header(refusalReason.declined) })).toBe('Sales declined the call (486 Busy Here)');
    expect(whyNotTaken('Sales', { status: 603, reasonPhrase: 'Decline', reasonHeader: header(refusalReason.declined) })).toBe('Sales declined the call (603 Decline)');
    expect(whyNotTaken('Sales', { status: 603, reasonPhrase: 'Decline' })).toBe('Sales declined the call (603 Decline)');
  });

  it('busy is busy: a 486 with no reason, or Q.850 17 "user busy"', () => {
    expect(whyNotTaken('Sales', { status: 486, reasonPhrase: 'Busy Here' })).toBe('Sales is busy (486 Busy Here)');
    expect(whyNotTaken('Sales', { status: 486, reasonPhrase: 'Busy Here', reasonHeader: 'Q.850;cause=17;text="User busy"' })).toBe('Sales is busy (486 Busy Here)');
  });

  it('do not disturb, not available, unknown numbers, other failures', () => {
    expect(whyNotTaken('Sales', { status: 486, reasonPhrase: 'Busy Here', reasonHeader: header(refusalReason.doNotDisturb) })).toBe('Sales has Do not disturb on (486 Busy Here)');
    expect(whyNotTaken('Sales', { status: 480, reasonPhrase: 'Temporarily Unavailable' })).toBe('Sales is not available (not signed in, or away) (480 Temporarily Unavailable)');
    expect(whyNotTaken('1009', { status: 404, reasonPhrase: 'Not Found' })).toBe('1009 is not a number the PBX knows (404 Not Found)');
    expect(whyNotTaken('Sales', { status: 503, reasonPhrase: 'Service Unavailable' })).toBe('The call to Sales failed (503 Service Unavailable)');
    expect(whyNotTaken('Sales', { status: null })).toBe('The call to Sales failed');
  });

  it('reads the Q.850 part of a Reason header among others', () => {
    expect(q850Of('SIP;cause=200;text="Call completed elsewhere", Q.850;cause=21;text="Call \\"rejected\\""')).toEqual({ cause: 21, text: 'Call "rejected"' });
    expect(q850Of('Q.850 ; cause = 17')).toEqual({ cause: 17, text: '' });
    expect(q850Of('SIP;cause=486')).toBeNull();
    expect(q850Of(undefined)).toBeNull();
  });
});

describe('in Russian', () => {
  it('says why in the UI language, the SIP response still in brackets', async () => {
    const { i18n } = await import('../i18n');
    await i18n.changeLanguage('ru');
    try {
      expect(whyNotTaken('Продажи', { status: 486, reasonPhrase: 'Busy Here' })).toBe('Продажи: занято (486 Busy Here)');
    } finally {
      await i18n.changeLanguage('en');
    }
  });
});
