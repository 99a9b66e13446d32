import { i18n } from './i18n';
import { currentCall, ringingCall, type CallSession } from './session';
import type { CallsState } from './sip/callMachine';
import { Store } from './store';

/**
 * Headset call buttons through WebHID (Jabra, Poly, EPOS… expose a Telephony collection, HID usage
 * page 0x0B): lifting the hook (the headset's call button) while a call rings answers it, putting it
 * down during a call hangs up, the mute button mutes and unmutes, Flash holds and resumes. The
 * headset's lights follow the calls: Ring while one rings, Off-Hook during a call, Mute when muted
 * (LED page 0x08, or the Telephony page's Ringer), so its own hook state stays in step with
 * Frontdesk's after a call was answered on screen.
 *
 * The report layout comes from the descriptor as WebHID gives it (collections → input/output
 * reports → items); the parsing and the decisions are plain functions below, tested without a
 * device. `HeadsetLink` connects them to navigator.hid and the session.
 */

const usage = (page: number, id: number) => page * 0x10000 + id;
export const TELEPHONY_PAGE = 0x0b;
export const LED_PAGE = 0x08;
export const HOOK_SWITCH = usage(TELEPHONY_PAGE, 0x20);
export const FLASH = usage(TELEPHONY_PAGE, 0x21);
export const PHONE_MUTE = usage(TELEPHONY_PAGE, 0x2f);
export const RINGER = usage(TELEPHONY_PAGE, 0x9e);
export const LED_MUTE = usage(LED_PAGE, 0x09);
export const LED_OFF_HOOK = usage(LED_PAGE, 0x17);
export const LED_RING = usage(LED_PAGE, 0x18);

// WebHID's descriptor info, as far as it is read here (the DOM types are not in every TS lib).
export interface HidReportItem {
  usages?: number[];
  usageMinimum?: number;
  usageMaximum?: number;
  isRange?: boolean;
  isArray?: boolean;
  isAbsolute?: boolean;
  isConstant?: boolean;
  reportSize?: number;
  reportCount?: number;
  logicalMinimum?: number;
}
export interface HidReportInfo {
  reportId?: number;
  items?: HidReportItem[];
}
export interface HidCollection {
  usagePage?: number;
  usage?: number;
  children?: HidCollection[];
  inputReports?: HidReportInfo[];
  outputReports?: HidReportInfo[];
}

/** One field of a report: where its bits are and what usage it carries (an array field: one of several). */
export interface HidField {
  reportId: number;
  bitOffset: number;
  bitSize: number;
  absolute: boolean;
  /** A variable field's usage. */
  usage: number | null;
  /** An array field: the usage a value selects (value - logicalMinimum). */
  arrayUsages: number[] | null;
  logicalMinimum: number;
}

export interface HeadsetLayout {
  inputs: HidField[];
  outputs: HidField[];
  /** Bytes of each output report (without the report ID). */
  outputBytes: Map<number, number>;
}

/** Whether a device has a Telephony collection (what a headset with call buttons exposes). */
export const isTelephonyDevice = (device: { collections?: readonly HidCollection[] }) => (device.collections ?? []).some((c) => c.usagePage === TELEPHONY_PAGE);

function fieldsOf(reports: HidReportInfo[]): { fields: HidField[]; bytes: Map<number, number> } {
  const fields: HidField[] = [];
  const bits = new Map<number, number>();
  for (const report of reports) {
    const reportId = report.reportId ?? 0;
    let offset = bits.get(reportId) ?? 0;
    for (const item of report.items ?? []) {
      const size = item.reportSize ?? 0;
      const count = item.reportCount ?? 0;
      const usages = item.usages ?? [];
      const min = item.usageMinimum ?? 0;
      const span = item.isRange ? Math.max(0, (item.usageMaximum ?? min) - min + 1) : 0;
      const absolute = item.isAbsolute ?? true;
      const logicalMinimum = item.logicalMinimum ?? 0;
      for (let i = 0; i < count; i++, offset += size) {
        if (item.isConstant || size === 0 || size > 32) continue;
        if (item.isArray) {
          const arrayUsages = item.isRange ? Array.from({ length: span }, (_, k) => min + k) : usages;
          fields.push({ reportId, bitOffset: offset, bitSize: size, absolute, usage: null, arrayUsages, logicalMinimum });
        } else {
          const u = item.isRange ? (i < span ? min + i : null) : (usages[Math.min(i, usages.length - 1)] ?? null);
          if (u !== null) fields.push({ reportId, bitOffset: offset, bitSize: size, absolute, usage: u, arrayUsages: null, logicalMinimum });
        }
      }
    }
    bits.set(reportId, offset);
  }
  return { fields, bytes: new Map([...bits].map(([id, b]) => [id, Math.ceil(b / 8)])) };
}

function walk(c: HidCollection, visit: (c: HidCollection) => void) {
  visit(c);
  for (const child of c.children ?? []) walk(child, visit);
}

/** The telephony collections' input and output fields; null for a device without one. */
export function headsetLayout(collections: readonly HidCollection[]): HeadsetLayout | null {
  const telephony = collections.filter((c) => c.usagePage === TELEPHONY_PAGE);
  if (telephony.length === 0) return null;
  const inputs: HidReportInfo[] = [];
  const outputs: HidReportInfo[] = [];
  for (const top of telephony) {
    walk(top, (c) => {
      inputs.push(...(c.inputReports ?? []));
      outputs.push(...(c.outputReports ?? []));
    });
  }
  const out = fieldsOf(outputs);
  return { inputs: fieldsOf(inputs).fields, outputs: out.fields, outputBytes: out.bytes };
}

function readBits(data: DataView, offset: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) {
    const bit = offset + i;
    const byte = bit >> 3;
    if (byte >= data.byteLength) break;
    if ((data.getUint8(byte) >> (bit & 7)) & 1) value += 2 ** i;
  }
  return value;
}

export interface UsageValue {
  value: number;
  /** false: a relative control (each report with a non-zero value is one press). */
  absolute: boolean;
}

/** The telephony usages an input report carries (an array field's pressed usages read as 1). */
export function readInputReport(layout: HeadsetLayout, reportId: number, data: DataView): Map<number, UsageValue> {
  const out = new Map<number, UsageValue>();
  for (const f of layout.inputs) {
    if (f.reportId !== reportId) continue;
    const raw = readBits(data, f.bitOffset, f.bitSize);
    if (f.usage !== null) {
      out.set(f.usage, { value: raw, absolute: f.absolute });
    } else if (f.arrayUsages) {
      for (const u of f.arrayUsages) if (!out.has(u)) out.set(u, { value: 0, absolute: f.absolute });
      const u = f.arrayUsages[raw - f.logicalMinimum];
      if (u !== undefined && raw !== 0) {
        out.set(u, { value: 1, absolute: f.absolute });
      }
    }
  }
  return out;
}

export interface HeadsetLights {
  ring: boolean;
  offHook: boolean;
  mute: boolean;
}

/** The output reports that set the headset's lights (only reports that have one of them). */
export function lightReports(layout: HeadsetLayout, lights: HeadsetLights): { reportId: number; data: Uint8Array<ArrayBuffer> }[] {
  const wanted = new Map<number, boolean>([
    [LED_RING, lights.ring],
    [RINGER, lights.ring],
    [LED_OFF_HOOK, lights.offHook],
    [LED_MUTE, lights.mute],
  ]);
  const reports = new Map<number, Uint8Array<ArrayBuffer>>();
  for (const f of layout.outputs) {
    if (f.usage === null || !wanted.has(f.usage)) continue;
    const data = reports.get(f.reportId) ?? new Uint8Array(layout.outputBytes.get(f.reportId) ?? 1);
    reports.set(f.reportId, data);
    if (wanted.get(f.usage)) data[f.bitOffset >> 3]! |= 1 << (f.bitOffset & 7);
  }
  return [...reports].map(([reportId, data]) => ({ reportId, data }));
}

export type HeadsetAction = 'answer' | 'hangUp' | 'mute' | 'hold';

export interface HeadsetCalls {
  ringing: boolean;
  inCall: boolean;
}

/**
 * What the headset's buttons mean, from report to report. The hook switch is edge-triggered: an
 * absolute one acts when it changes (off-hook while a call rings: answer; on-hook during a call:
 * hang up), a report repeating the same state does nothing; a relative one (each report a press)
 * answers a ringing call or hangs up the current one. Mute and Flash act on a press: an absolute
 * button when it goes down (not again while held, nor on release), a relative one on each report.
 */
export class HeadsetControl {
  private hook: boolean | null = null;
  private readonly down = new Map<number, boolean>();

  /** Frontdesk set the Off-Hook light (a call answered or ended on screen): the headset's hook follows it. */
  syncHook(offHook: boolean) {
    this.hook = offHook;
  }

  onReport(values: ReadonlyMap<number, UsageValue>, calls: HeadsetCalls): HeadsetAction[] {
    const actions: HeadsetAction[] = [];
    const hook = values.get(HOOK_SWITCH);
    if (hook) {
      if (hook.absolute) {
        const on = hook.value !== 0;
        const before = this.hook ?? calls.inCall;
        this.hook = on;
        if (on && !before && calls.ringing) actions.push('answer');
        else if (!on && before && calls.inCall) actions.push('hangUp');
      } else if (hook.value !== 0) {
        if (calls.ringing && !calls.inCall) actions.push('answer');
        else if (calls.inCall) actions.push('hangUp');
      }
    }
    for (const [u, action] of [
      [PHONE_MUTE, 'mute'],
      [FLASH, 'hold'],
    ] as const) {
      const v = values.get(u);
      if (!v) continue;
      const pressed = v.value !== 0;
      const fires = v.absolute ? pressed && !this.down.get(u) : pressed;
      this.down.set(u, pressed);
      if (fires && calls.inCall) actions.push(action);
    }
    return actions;
  }
}

// ---- navigator.hid ----

export interface HidDeviceLike extends EventTarget {
  productName: string;
  opened: boolean;
  collections: readonly HidCollection[];
  open(): Promise<void>;
  sendReport(reportId: number, data: BufferSource): Promise<void>;
}
export interface HidLike extends EventTarget {
  getDevices(): Promise<HidDeviceLike[]>;
  requestDevice(options: { filters: { usagePage?: number }[] }): Promise<HidDeviceLike[]>;
}

export interface HeadsetState {
  /** The connected headset's name, or null. */
  device: string | null;
  /** Why no headset is in use (no WebHID, refused, failed to open), or null. */
  problem: string | null;
  supported: boolean;
}

interface CallsSource {
  subscribe(listener: () => void): () => void;
  getSnapshot(): { calls: CallsState };
}

/** The headset's buttons command the session; its lights follow the calls. */
export class HeadsetLink {
  private device: HidDeviceLike | null = null;
  private layout: HeadsetLayout | null = null;
  private readonly control = new HeadsetControl();
  private lights: string | null = null;
  private readonly store: Store<HeadsetState>;

  constructor(
    private readonly hid: HidLike | undefined,
    private readonly session: Pick<CallSession, 'command'>,
    private readonly calls: CallsSource,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.store = new Store<HeadsetState>({ device: null, problem: null, supported: Boolean(hid) });
  }

  subscribe = (listener: () => void) => this.store.subscribe(listener);
  getState = (): HeadsetState => this.store.get();

  private set(patch: Partial<HeadsetState>) {
    this.store.patch(patch);
  }

  /** Uses a headset this site was already allowed (no prompt), and one plugged in later. */
  async start() {
    if (!this.hid) return;
    this.calls.subscribe(() => this.followCalls());
    this.hid.addEventListener('connect', (e) => {
      const device = (e as Event & { device?: HidDeviceLike }).device;
      if (!this.device && device && isTelephonyDevice(device)) void this.attach(device);
    });
    this.hid.addEventListener('disconnect', (e) => {
      if ((e as Event & { device?: HidDeviceLike }).device === this.device) {
        this.device = null;
        this.layout = null;
        this.set({ device: null });
      }
    });
    try {
      const device = (await this.hid.getDevices()).find(isTelephonyDevice);
      if (device) await this.attach(device);
    } catch (error) {
      this.set({ problem: i18n.t('headset.cannotUse', { error: (error as Error).message }) });
    }
  }

  /** "Connect headset": the browser's chooser of telephony devices (needs the click that called it). */
  async connect() {
    if (!this.hid) {
      this.set({ problem: i18n.t('headset.noWebHid') });
      return;
    }
    try {
      const chosen = await this.hid.requestDevice({ filters: [{ usagePage: TELEPHONY_PAGE }] });
      const device = chosen.find(isTelephonyDevice);
      if (!device) {
        this.set({ problem: chosen.length ? i18n.t('headset.noCallButtons') : i18n.t('headset.noneChosen') });
        return;
      }
      await this.attach(device);
    } catch (error) {
      this.set({ problem: i18n.t('headset.cannotConnect', { error: (error as Error).message }) });
    }
  }

  private async attach(device: HidDeviceLike) {
    const layout = headsetLayout(device.collections);
    if (!layout) return;
    if (!device.opened) await device.open();
    this.device = device;
    this.layout = layout;
    this.lights = null;
    device.addEventListener('inputreport', (e) => this.onInput(device, e as Event & { reportId: number; data: DataView }));
    this.set({ device: device.productName || 'Headset', problem: null });
    this.log(`headset ${device.productName} connected`);
    this.followCalls();
  }

  private callState(): HeadsetCalls & { muted: boolean } {
    const calls = this.calls.getSnapshot().calls;
    const current = currentCall(calls);
    return { ringing: ringingCall(calls) !== null, inCall: current !== null, muted: current?.muted ?? false };
  }

  private onInput(device: HidDeviceLike, e: { reportId: number; data: DataView }) {
    if (device !== this.device || !this.layout) return;
    const actions = this.control.onReport(readInputReport(this.layout, e.reportId, e.data), this.callState());
    for (const action of actions) this.session.command({ action, source: 'headset' });
  }

  /** The lights follow the calls (and the hook state the headset keeps with them). */
  private followCalls() {
    if (!this.device || !this.layout) return;
    const s = this.callState();
    const lights: HeadsetLights = { ring: s.ringing && !s.inCall, offHook: s.inCall, mute: s.inCall && s.muted };
    const key = JSON.stringify(lights);
    if (key === this.lights) return;
    this.lights = key;
    this.control.syncHook(lights.offHook);
    const device = this.device;
    for (const r of lightReports(this.layout, lights)) {
      device.sendReport(r.reportId, r.data).catch((error: Error) => this.log(`headset lights: ${error.message}`));
    }
  }
}
