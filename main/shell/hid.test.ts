import { describe, expect, it } from 'vitest';
import { HidGrants, isTelephonyHid } from './hid';

const headset = { deviceId: 'h1', name: 'Jabra Evolve2 65', collections: [{ usagePage: 0x0b, usage: 0x05 }, { usagePage: 0x0c, usage: 0x01 }] };
const keyboard = { deviceId: 'k1', name: 'Keyboard', collections: [{ usagePage: 0x01, usage: 0x06 }] };
const securityKey = { deviceId: 'f1', name: 'FIDO key', collections: [{ usagePage: 0xf1d0, usage: 0x01 }] };

describe('HID devices the page may use', () => {
  it('a headset with a telephony collection, from the app\'s own origin only', () => {
    expect(isTelephonyHid(headset)).toBe(true);
    const grants = new HidGrants('app://frontdesk');
    expect(grants.allows('app://frontdesk', headset)).toBe(true);
    expect(grants.allows('https://evil.example', headset)).toBe(false);
  });

  it('never a keyboard, a security key, or a device whose collections are unknown', () => {
    const grants = new HidGrants('app://frontdesk');
    for (const device of [keyboard, securityKey, { deviceId: 'x' }]) expect(grants.allows('app://frontdesk', device)).toBe(false);
  });

  it('the chooser picks the first telephony device offered, or none', () => {
    const grants = new HidGrants('app://frontdesk');
    expect(grants.choose('app://frontdesk', [keyboard, headset, { ...headset, deviceId: 'h2' }])).toBe('h1');
    expect(grants.choose('app://frontdesk', [keyboard, securityKey])).toBe('');
    expect(grants.choose('app://frontdesk', [])).toBe('');
    expect(grants.choose('https://evil.example', [headset])).toBe('');
  });

  it('a device Electron names without collections (Chromium matched it to the page\'s telephony filter) is granted once chosen', () => {
    const grants = new HidGrants('app://frontdesk');
    const plain = { deviceId: 'p1', name: 'Poly Voyager', vendorId: 0x047f };
    expect(grants.allows('app://frontdesk', plain)).toBe(false);
    expect(grants.choose('app://frontdesk', [plain])).toBe('p1');
    expect(grants.allows('app://frontdesk', plain)).toBe(true);
    expect(grants.allows('https://evil.example', plain)).toBe(false);
  });
});
