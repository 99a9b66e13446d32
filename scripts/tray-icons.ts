import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { TRAY_ICON_FILES } from '../main/shell/tray';

/**
 * Draws the tray icons (build/tray/<state>[-missed].png at 16 px, with @2x at 32 px) and the app
 * icon (build/icon.png, 512 px) as PNGs, with nothing but zlib: a handset-like disc in the state's
 * colour (green registered, grey offline, red do-not-disturb, blue ringing) and, for missed calls,
 * an orange dot in the top-right corner. Run `npx tsx scripts/tray-icons.ts` after changing them;
 * the PNGs are checked in.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
type RGB = readonly [number, number, number];
const COLOURS: Record<string, RGB> = { registered: [46, 160, 67], offline: [140, 140, 140], dnd: [210, 50, 45], ringing: [30, 110, 230] };
const MISSED: RGB = [245, 150, 20];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf: Buffer) => {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

/** An RGBA PNG of `size` px: a disc of `colour` with a white bar (the handset), and the missed dot. */
export function drawIcon(size: number, colour: RGB, missed: boolean): Buffer {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  const r = size / 2 - size / 16;
  const c = size / 2;
  const dotR = size * 0.22;
  const dot = { x: size - dotR - size / 32, y: dotR + size / 32 };
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let rgba: [number, number, number, number] = [0, 0, 0, 0];
      const d = Math.hypot(px - c, py - c);
      if (d <= r) {
        const edge = Math.min(1, r - d + 0.5);
        rgba = [...colour, Math.round(255 * edge)];
        // the handset: a white rounded bar across the middle, ends raised
        const bar = Math.abs(py - c) < size * 0.09 && Math.abs(px - c) < size * 0.27;
        const ends = Math.abs(px - c) > size * 0.17 && Math.abs(px - c) < size * 0.29 && py - c < size * 0.02 && py - c > -size * 0.2;
        if (bar || ends) rgba = [255, 255, 255, rgba[3]];
      }
      if (missed && Math.hypot(px - dot.x, py - dot.y) <= dotR) rgba = [...MISSED, 255];
      raw.set(rgba, y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

export function writeIcons(outDir = path.join(root, 'build')) {
  mkdirSync(path.join(outDir, 'tray'), { recursive: true });
  for (const name of TRAY_ICON_FILES) {
    const [state, missed] = name.split('-') as [string, string | undefined];
    const colour = COLOURS[state]!;
    writeFileSync(path.join(outDir, 'tray', `${name}.png`), drawIcon(16, colour, missed === 'missed'));
    writeFileSync(path.join(outDir, 'tray', `${name}@2x.png`), drawIcon(32, colour, missed === 'missed'));
  }
  writeFileSync(path.join(outDir, 'icon.png'), drawIcon(512, COLOURS.registered!, false));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) writeIcons();
