import { describe, expect, it } from 'vitest';
import { BinaryFileError, chunkText, clientFieldOf, csvTargets, decodeImportFile, importFileProblem, maxImportBytes, targetKey } from './imports';

/** (common/ is typed without the DOM or Node: TextEncoder from the global object.) */
const utf8 = (s: string): Uint8Array => new (globalThis as unknown as { TextEncoder: new () => { encode(s: string): Uint8Array } }).TextEncoder().encode(s);

describe('decodeImportFile', () => {
  it('refuses a file that is not text (NUL bytes), saying what to do, instead of reading it as Windows-1251', () => {
    const xlsx = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00]);
    expect(() => decodeImportFile(xlsx)).toThrow(/not a text file.*Save as.*CSV/);
    const csvWithNuls = utf8('Имя;Телефон\nИван;+7495\u0000\u0000\n');
    expect(() => decodeImportFile(csvWithNuls)).toThrow(BinaryFileError);
    // UTF-16 ("Unicode text") is full of NUL bytes and is text: read, not refused.
    const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from('a;b', (c) => [c.charCodeAt(0), 0]).flat()]);
    expect(decodeImportFile(utf16).text).toBe('a;b');
  });

  it('reads UTF-8 (with or without a BOM), UTF-16 with a BOM, and Windows-1251, and says which', () => {
    const text = 'ФИО;Телефон';
    expect(decodeImportFile(utf8(text))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeImportFile(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]))).toEqual({ text, encoding: 'utf-8' });
    const utf16 = new Uint8Array(2 + text.length * 2);
    utf16.set([0xff, 0xfe]);
    for (let i = 0; i < text.length; i++) utf16.set([text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8], 2 + i * 2);
    expect(decodeImportFile(utf16)).toEqual({ text, encoding: 'utf-16le' });
    expect(decodeImportFile(new Uint8Array([0xd4, 0xc8, 0xce, 0x3b, 0xd2, 0xe5, 0xeb, 0xe5, 0xf4, 0xee, 0xed]))).toEqual({ text, encoding: 'windows-1251' });
  });
});

describe('chunkText', () => {
  it('splits text into pieces that add up to it, never inside a surrogate pair', () => {
    const text = `ab😀cd😀😀e`;
    for (const size of [1, 2, 3, 4, 100]) {
      const chunks = chunkText(text, size);
      expect(chunks.join('')).toBe(text);
      for (const c of chunks) {
        expect(c.length).toBeLessThanOrEqual(Math.max(size, 2));
        expect(/^[\uDC00-\uDFFF]/.test(c)).toBe(false);
      }
    }
    expect(chunkText('', 10)).toEqual([]);
  });
});

describe('importFileProblem', () => {
  it('refuses an empty file and one over the limit, saying what to do', () => {
    expect(importFileProblem({ name: 'a.csv', size: 10 })).toBeNull();
    expect(importFileProblem({ name: 'a.csv', size: 0 })).toBe('"a.csv" is empty.');
    expect(importFileProblem({ name: 'big.csv', size: maxImportBytes + 1 })).toBe(
      '"big.csv" is 50.0 MB: Frontdesk imports at most 50.0 MB at once. Split it into smaller files (by rows) and import them one after another.',
    );
  });
});

describe('the mapping step’s choices', () => {
  it('lists every CSV field once (phones with their labels), each with a distinct value', () => {
    const keys = csvTargets.map(targetKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain('phone:mobile');
    expect(clientFieldOf('lastName')).toBe('name');
    expect(clientFieldOf('phone')).toBe('phones');
    expect(clientFieldOf('company')).toBe('company');
  });
});
