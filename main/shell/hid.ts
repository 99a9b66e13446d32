/**
 * Which HID devices the page may use: headsets with call buttons, nothing else. A keyboard, a
 * security key or a game pad is HID too; the page never needs them. The shell wires it into
 * `session.setDevicePermissionHandler` (a device already granted), `select-hid-device` (the
 * chooser of navigator.hid.requestDevice: the first telephony device is picked) and
 * `setPermissionCheckHandler` for "hid" from the app's own origin.
 *
 * Plain TypeScript over the parts of Electron's HIDDevice it reads, so it is tested without Electron.
 */

/** The Telephony usage page: hook switch, mute, flash (headsets from Jabra, Poly, EPOS…). */
export const TELEPHONY_USAGE_PAGE = 0x0b;

export interface HidDeviceInfo {
  deviceId: string;
  name?: string;
  vendorId?: number;
  productId?: number;
  /** Electron gives the top-level collections' usage pages when it knows them. */
  collections?: { usagePage?: number; usage?: number }[];
}

/** Whether a device has a Telephony collection. */
export const isTelephonyHid = (device: HidDeviceInfo): boolean => (device.collections ?? []).some((c) => c.usagePage === TELEPHONY_USAGE_PAGE);

/**
 * Electron's HIDDevice does not carry the collections: the devices `select-hid-device` offers are
 * those Chromium matched against the page's requestDevice filters (the page asks for the Telephony
 * page only), so the one chosen there is remembered, and later permission checks grant that one.
 */
export class HidGrants {
  private readonly granted = new Set<string>();

  constructor(private readonly appOrigin: string) {}

  /** The device `select-hid-device` answers with: a known telephony device first, else the first offered (Chromium filtered them by the page's telephony filter); "" for none. */
  choose(origin: string, offered: readonly HidDeviceInfo[]): string {
    if (origin !== this.appOrigin) return '';
    const device = offered.find(isTelephonyHid) ?? offered.find((d) => d.collections === undefined);
    if (device) this.granted.add(device.deviceId);
    return device?.deviceId ?? '';
  }

  /** Whether the page (from the app's origin) may use this device: a headset with call buttons, or the one chosen for it. */
  allows(origin: string, device: HidDeviceInfo): boolean {
    return origin === this.appOrigin && (isTelephonyHid(device) || this.granted.has(device.deviceId));
  }
}
