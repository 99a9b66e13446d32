import { describe, expect, it } from 'vitest';
import {
  FLASH,
  HeadsetControl,
  HeadsetLink,
  HOOK_SWITCH,
  headsetLayout,
  isTelephonyDevice,
  LED_MUTE,
  LED_OFF_HOOK,
  LED_RING,
  lightReports,
  PHONE_MUTE,
  readInputReport,
  type HidCollection,
  type HidDeviceLike,
  type HidLike,
  type UsageValue,
} from './headset';
import type { DesktopCommand } from './session';
import { emptyCalls, type Call, type CallsState } from './sip/callMachine';
import { testCall } from './testCalls';

/** A Jabra-like headset: report 1 in = hook switch (absolute), mute (relative), flash, 5 bits padding; report 2 out = LEDs. */
const headset: HidCollection[] = [
  {
    usagePage: 0x0b,
    usage: 0x05,
    inputReports: [
      {
        reportId: 1,
        items: [
          { usages: [HOOK_SWITCH], reportSize: 1, reportCount: 1, isAbsolute: true },
          { usages: [PHONE_MUTE], reportSize: 1, reportCount: 1, isAbsolute: false },
          { usages: [FLASH], reportSize: 1, reportCount: 1, isAbsolute: true },
          { usages: [], reportSize: 5, reportCount: 1, isConstant: true },
        ],
      },
    ],
    outputReports: [
      {
        reportId: 2,
        items: [
          { usages: [LED_MUTE], reportSize: 1, reportCount: 1 },
          { usages: [LED_OFF_HOOK], reportSize: 1, reportCount: 1 },
          { usages: [LED_RING], reportSize: 1, reportCount: 1 },
          { usages: [], reportSize: 5, reportCount: 1, isConstant: true },
        ],
      },
    ],
  },
];
const byte = (...bytes: number[]) => new DataView(new Uint8Array(bytes).buffer);
const abs = (value: number): UsageValue => ({ value, absolute: true });
const rel = (value: number): UsageValue => ({ value, absolute: false });
const ringing = { ringing: true, inCall: false };
const talking = { ringing: false, inCall: true };
const idle = { ringing: false, inCall: false };

describe('reading a headset\'s reports from its descriptor', () => {
  it('knows a telephony device', () => {
    expect(isTelephonyDevice({ collections: headset })).toBe(true);
    expect(isTelephonyDevice({ collections: [{ usagePage: 0x01, usage: 0x06 }] })).toBe(false);
    expect(headsetLayout([{ usagePage: 0x0c }])).toBeNull();
  });

  it('reads each usage at its bits, absolute or relative', () => {
    const layout = headsetLayout(headset)!;
    const values = readInputReport(layout, 1, byte(0b101));
    expect(values.get(HOOK_SWITCH)).toEqual(abs(1));
    expect(values.get(PHONE_MUTE)).toEqual(rel(0));
    expect(values.get(FLASH)).toEqual(abs(1));
    expect(readInputReport(layout, 1, byte(0b010)).get(PHONE_MUTE)).toEqual(rel(1));
    // Another report ID carries none of them.
    expect(readInputReport(layout, 7, byte(0xff)).size).toBe(0);
  });

  it('reads array (selector) fields, ranges and fields spread over bytes', () => {
    const layout = headsetLayout([
      {
        usagePage: 0x0b,
        inputReports: [
          {
            reportId: 3,
            items: [
              { usages: [], reportSize: 4, reportCount: 1, isConstant: true },
              { isRange: true, usageMinimum: HOOK_SWITCH, usageMaximum: FLASH, reportSize: 1, reportCount: 2 },
              { usages: [], reportSize: 2, reportCount: 1, isConstant: true },
              { usages: [PHONE_MUTE, 0x000b0024], isArray: true, reportSize: 8, reportCount: 1, logicalMinimum: 1 },
            ],
          },
        ],
      },
    ])!;
    const v = readInputReport(layout, 3, byte(0b0011_0000, 1));
    expect(v.get(HOOK_SWITCH)?.value).toBe(1);
    expect(v.get(FLASH)?.value).toBe(1);
    expect(v.get(PHONE_MUTE)?.value).toBe(1);
    expect(v.get(0x000b0024)?.value).toBe(0);
    expect(readInputReport(layout, 3, byte(0, 0)).get(PHONE_MUTE)?.value).toBe(0);
  });

  it('sets the lights the headset has, in their output report', () => {
    const layout = headsetLayout(headset)!;
    expect(lightReports(layout, { ring: true, offHook: false, mute: false })).toEqual([{ reportId: 2, data: new Uint8Array([0b100]) }]);
    expect(lightReports(layout, { ring: false, offHook: true, mute: true })).toEqual([{ reportId: 2, data: new Uint8Array([0b011]) }]);
    expect(lightReports(headsetLayout([{ usagePage: 0x0b }])!, { ring: true, offHook: true, mute: true })).toEqual([]);
  });
});

describe('what the headset\'s buttons do', () => {
  it('off-hook while a call rings answers; on-hook during the call hangs up; the same state again does nothing', () => {
    const c = new HeadsetControl();
    expect(c.onReport(new Map([[HOOK_SWITCH, abs(1)]]), ringing)).toEqual(['answer']);
    expect(c.onReport(new Map([[HOOK_SWITCH, abs(1)]]), talking)).toEqual([]);
    expect(c.onReport(new Map([[HOOK_SWITCH, abs(0)]]), talking)).toEqual(['hangUp']);
    expect(c.onReport(new Map([[HOOK_SWITCH, abs(0)]]), idle)).toEqual([]);
  });

  it('off-hook with nothing ringing, and on-hook with no call, do nothing', () => {
    const c = new HeadsetControl();
    expect(c.onReport(new Map([[HOOK_SWITCH, abs(1)]]), idle)).toEqual([]);
    expect(c.onReport(new Map([[HOOK_SWITCH, abs(0)]]), idle)).toEqual([]);
  });

  it('the hook follows a call answered on screen: putting the headset down then hangs up', () => {
    const c = new HeadsetControl();
    c.syncHook(true);
    expect(c.onReport(new Map([[HOOK_SWITCH, abs(0)]]), talking)).toEqual(['hangUp']);
  });

  it('a relative hook switch: each press answers the ringing call or hangs up the current one', () => {
    const c = new HeadsetControl();
    expect(c.onReport(new Map([[HOOK_SWITCH, rel(1)]]), ringing)).toEqual(['answer']);
    expect(c.onReport(new Map([[HOOK_SWITCH, rel(1)]]), talking)).toEqual(['hangUp']);
    expect(c.onReport(new Map([[HOOK_SWITCH, rel(0)]]), talking)).toEqual([]);
  });

  it('mute: an absolute button toggles when pressed (not while held, not on release); a relative one on each report', () => {
    const c = new HeadsetControl();
    expect(c.onReport(new Map([[PHONE_MUTE, abs(1)]]), talking)).toEqual(['mute']);
    expect(c.onReport(new Map([[PHONE_MUTE, abs(1)]]), talking)).toEqual([]);
    expect(c.onReport(new Map([[PHONE_MUTE, abs(0)]]), talking)).toEqual([]);
    expect(c.onReport(new Map([[PHONE_MUTE, abs(1)]]), talking)).toEqual(['mute']);
    const r = new HeadsetControl();
    expect(r.onReport(new Map([[PHONE_MUTE, rel(1)]]), talking)).toEqual(['mute']);
    expect(r.onReport(new Map([[PHONE_MUTE, rel(1)]]), talking)).toEqual(['mute']);
    expect(r.onReport(new Map([[PHONE_MUTE, rel(1)]]), idle)).toEqual([]);
  });

  it('flash holds (and resumes) the call', () => {
    expect(new HeadsetControl().onReport(new Map([[FLASH, abs(1)]]), talking)).toEqual(['hold']);
  });
});

describe('a headset connected through WebHID', () => {
  function fakeDevice() {
    const device = Object.assign(new EventTarget(), {
      productName: 'Jabra Evolve2 65',
      opened: false,
      collections: headset,
      sent: [] as [number, number[]][],
      open() {
        device.opened = true;
        return Promise.resolve();
      },
      sendReport(reportId: number, data: BufferSource) {
        device.sent.push([reportId, [...new Uint8Array(data as Uint8Array)]]);
        return Promise.resolve();
      },
      press(bits: number) {
        device.dispatchEvent(Object.assign(new Event('inputreport'), { reportId: 1, data: byte(bits) }));
      },
    });
    return device;
  }

  it('answers with the headset, lights follow the call, and putting it down hangs up', async () => {
    const device = fakeDevice();
    const hid = Object.assign(new EventTarget(), { getDevices: () => Promise.resolve([device as HidDeviceLike]), requestDevice: () => Promise.resolve([]) }) as HidLike;
    let calls: CallsState = emptyCalls;
    const listeners = new Set<() => void>();
    const setCalls = (...list: Call[]) => {
      calls = { calls: Object.fromEntries(list.map((c) => [c.id, c])), order: list.map((c) => c.id) };
      for (const l of listeners) l();
    };
    const commands: DesktopCommand[] = [];
    const link = new HeadsetLink(hid, { command: (c) => void commands.push(c) }, { subscribe: (l) => (listeners.add(l), () => listeners.delete(l)), getSnapshot: () => ({ calls }) });
    await link.start();
    expect(link.getState()).toMatchObject({ device: 'Jabra Evolve2 65', problem: null });
    expect(device.opened).toBe(true);

    setCalls(testCall('r', '1003', 'ringing-in'));
    expect(device.sent.at(-1)).toEqual([2, [0b100]]);
    device.press(0b001);
    expect(commands).toEqual([{ action: 'answer', source: 'headset' }]);
    setCalls(testCall('r', '1003', 'active'));
    expect(device.sent.at(-1)).toEqual([2, [0b010]]);
    device.press(0b011);
    expect(commands.at(-1)).toEqual({ action: 'mute', source: 'headset' });
    setCalls({ ...testCall('r', '1003', 'active'), muted: true });
    expect(device.sent.at(-1)).toEqual([2, [0b011]]);
    device.press(0b000);
    expect(commands.at(-1)).toEqual({ action: 'hangUp', source: 'headset' });
  });

  it('without WebHID, Connect says so', async () => {
    const link = new HeadsetLink(undefined, { command: () => undefined }, { subscribe: () => () => undefined, getSnapshot: () => ({ calls: emptyCalls }) });
    await link.connect();
    expect(link.getState()).toMatchObject({ supported: false, problem: 'This browser cannot reach headsets (no WebHID)' });
  });
});
