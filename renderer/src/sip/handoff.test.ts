import { describe, expect, it } from 'vitest';
import { decodeHandoff, emptyNote, encodeHandoff, handoffText, HandoffNoteSchema, maxHandoffHeader, parseTransferCount } from '../../../common/transfer';
import { base64 as codec } from './handoff';

const note = HandoffNoteSchema.parse({
  callerName: 'Иван Петров',
  callerNumber: '+74951234567',
  company: 'ООО «Ромашка»',
  reason: 'Счёт за октябрь',
  identifiers: 'Договор 2024/117',
  text: 'Спокоен, ждёт 2 минуты',
  fromUser: '1000',
  fromName: 'Reception',
});

describe('handoff note', () => {
  it('survives the header round trip, Cyrillic included, as a header-safe token', () => {
    const encoded = encodeHandoff(note, codec);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeHandoff(encoded, codec)).toEqual(note);
  });

  it('a note too long for a header loses the end of its free text, not the caller or the reason', () => {
    const long = { ...note, text: 'я'.repeat(2000) };
    const encoded = encodeHandoff(long, codec);
    expect(encoded.length).toBeLessThanOrEqual(maxHandoffHeader);
    const back = decodeHandoff(encoded, codec)!;
    expect(back).toMatchObject({ callerName: note.callerName, reason: note.reason, identifiers: note.identifiers });
    expect(back.text.length).toBeLessThan(2000);
    expect(back.text.endsWith('…')).toBe(true);
  });

  it('rejects what is not a note: bad characters, bad base64, bad UTF-8, wrong shape', () => {
    expect(decodeHandoff('not a token!', codec)).toBeNull();
    expect(decodeHandoff(codec.utf8ToBase64('{"callerName": 5}').replace(/=+$/, ''), codec)).toBeNull();
    expect(decodeHandoff(codec.utf8ToBase64('{"unknown": "x"}').replace(/=+$/, ''), codec)).toBeNull();
    expect(decodeHandoff(btoa(String.fromCharCode(0xff, 0xfe, 0x7b)).replace(/=+$/, ''), codec)).toBeNull();
    expect(decodeHandoff('', codec)).toBeNull();
  });

  it('reads on a desk phone: who hands over, the caller, then company, reason, references and the note', () => {
    expect(handoffText(note, 'warm')).toBe(
      'Transfer from Reception (1000): Иван Петров, +74951234567\nCompany: ООО «Ромашка»\nReason: Счёт за октябрь\nRef: Договор 2024/117\nNote: Спокоен, ждёт 2 минуты',
    );
    expect(handoffText({ ...emptyNote, reason: 'delivery' }, 'blind')).toBe('Call transferred to you from a colleague\nReason: delivery');
  });

  it('counts transfers from a header, anything odd as none', () => {
    expect(parseTransferCount('2')).toBe(2);
    expect(parseTransferCount(' 3 ')).toBe(3);
    expect(parseTransferCount('-1')).toBe(0);
    expect(parseTransferCount('lots')).toBe(0);
    expect(parseTransferCount(undefined)).toBe(0);
  });
});
