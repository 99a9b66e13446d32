import { describe, expect, it } from 'vitest';
import { displaySafe } from './displayText';

describe('text from outside, made safe to show', () => {
  it('keeps words, Cyrillic, emoji, line breaks and tabs', () => {
    expect(displaySafe('Перезвоните 👍\r\nпосле 15:00\tпожалуйста')).toBe('Перезвоните 👍\nпосле 15:00\tпожалуйста');
  });

  it('shows binary data as replacement characters and drops the right-to-left overrides', () => {
    expect(displaySafe('ok\u0000\u0007\u001b[2Jdone\u0085')).toBe('ok\ufffd\ufffd\ufffd[2Jdone\ufffd');
    expect(displaySafe('pay to \u202emoc.knab\u202c now')).toBe('pay to moc.knab now');
    expect(displaySafe('\u2067isolated\u2069')).toBe('isolated');
  });
});
