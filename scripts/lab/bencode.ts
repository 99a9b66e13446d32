/** Minimal bencode (the rtpengine ng protocol's encoding). Strings decode as UTF-8. */

export type BValue = number | string | Buffer | BValue[] | { [key: string]: BValue };
export type BDecoded = number | string | BDecoded[] | { [key: string]: BDecoded };

export function bencode(value: BValue): Buffer {
  const parts: Buffer[] = [];
  const walk = (v: BValue): void => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new Error(`bencode: integers only, got ${v}`);
      parts.push(Buffer.from(`i${v}e`));
    } else if (typeof v === 'string' || Buffer.isBuffer(v)) {
      const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      parts.push(Buffer.from(`${b.length}:`), b);
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('l'));
      v.forEach(walk);
      parts.push(Buffer.from('e'));
    } else if (v && typeof v === 'object') {
      parts.push(Buffer.from('d'));
      for (const key of Object.keys(v).sort()) {
        const item = v[key];
        if (item === undefined) continue;
        walk(key);
        walk(item);
      }
      parts.push(Buffer.from('e'));
    } else {
      throw new Error(`bencode: unsupported value ${String(v)}`);
    }
  };
  walk(value);
  return Buffer.concat(parts);
}

export function bdecode(buf: Buffer, start = 0): { value: BDecoded; end: number } {
  let pos = start;
  const fail = (msg: string): never => {
    throw new Error(`bdecode: ${msg} at offset ${pos}`);
  };
  const read = (): BDecoded => {
    const c = buf[pos];
    if (c === undefined) return fail('unexpected end');
    if (c === 0x69 /* i */) {
      const e = buf.indexOf(0x65, pos);
      if (e < 0) return fail('unterminated integer');
      const n = Number(buf.subarray(pos + 1, e).toString('ascii'));
      if (!Number.isFinite(n)) return fail('bad integer');
      pos = e + 1;
      return n;
    }
    if (c === 0x6c /* l */) {
      pos++;
      const list: BDecoded[] = [];
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) return fail('unterminated list');
        list.push(read());
      }
      pos++;
      return list;
    }
    if (c === 0x64 /* d */) {
      pos++;
      const dict: { [key: string]: BDecoded } = {};
      while (buf[pos] !== 0x65) {
        if (pos >= buf.length) return fail('unterminated dict');
        const key = read();
        if (typeof key !== 'string') return fail('dict key is not a string');
        dict[key] = read();
      }
      pos++;
      return dict;
    }
    if (c >= 0x30 && c <= 0x39) {
      const colon = buf.indexOf(0x3a, pos);
      if (colon < 0) return fail('bad string length');
      const len = Number(buf.subarray(pos, colon).toString('ascii'));
      const s = colon + 1;
      if (!Number.isInteger(len) || s + len > buf.length) return fail('string runs past the end');
      pos = s + len;
      return buf.subarray(s, s + len).toString('utf8');
    }
    return fail(`unexpected byte 0x${c.toString(16)}`);
  };
  const value = read();
  return { value, end: pos };
}
