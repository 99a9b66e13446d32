import Conf from 'conf';
import {
  defaultSettings,
  settingKeys,
  SettingsPatchSchema,
  type SettingChange,
  type SettingKey,
  type Settings,
  type SettingsPatch,
  type SettingsView,
} from '../../common/settings';
import type { DataDir } from './dataDir';
import { fault, SaidError } from '../../common/said';
import { restrictIfPresent } from './ownerOnly';
import { writeFailure } from './writeFailure';

export class SettingLockedError extends SaidError {
  constructor(readonly key: SettingKey) {
    super(fault('settingLocked', { key }));
    this.name = 'SettingLockedError';
  }
}

/**
 * Settings in three layers: defaults < what the person chose < what provisioning sets.
 * Provisioning may lock keys; a locked key cannot be changed by the person.
 * The person's choices are persisted with conf (electron-store's engine, which needs no Electron).
 */
export class SettingsService {
  private readonly store: Conf<{ user: SettingsPatch }>;
  private provisioned: SettingsPatch = {};
  private locked = new Set<SettingKey>();
  private readonly listeners = new Set<(view: SettingsView) => void>();

  constructor(dataDir: DataDir) {
    this.store = new Conf<{ user: SettingsPatch }>({
      cwd: dataDir.root,
      configName: 'settings',
      defaults: { user: {} },
      clearInvalidConfig: false,
      configFileMode: 0o600,
    });
    restrictIfPresent(this.store.path);
  }

  /** The person's own choices, dropping any value that no longer validates (kept in the file, unused). */
  private userLayer(): SettingsPatch {
    const raw = this.store.get('user');
    const out: Record<string, unknown> = {};
    for (const key of settingKeys) {
      const parsed = SettingsPatchSchema.shape[key].safeParse(raw?.[key]);
      if (parsed.success && parsed.data !== undefined) out[key] = parsed.data;
    }
    return out as SettingsPatch;
  }

  view(): SettingsView {
    const user = this.userLayer();
    const values: Record<string, unknown> = {};
    const sources: Record<string, 'default' | 'user' | 'provisioned'> = {};
    for (const key of settingKeys) {
      if (this.provisioned[key] !== undefined) {
        values[key] = this.provisioned[key];
        sources[key] = 'provisioned';
      } else if (user[key] !== undefined && !this.locked.has(key)) {
        values[key] = user[key];
        sources[key] = 'user';
      } else {
        values[key] = defaultSettings[key];
        sources[key] = 'default';
      }
    }
    return { values: values as Settings, locked: [...this.locked], sources };
  }

  set(change: SettingChange): SettingsView {
    if (this.locked.has(change.key)) throw new SettingLockedError(change.key);
    const parsed = SettingsPatchSchema.shape[change.key].parse(change.value);
    try {
      this.store.set('user', { ...this.store.get('user'), [change.key]: parsed });
    } catch (error) {
      // A full disk, a settings file made read-only: said as data, the window words it.
      throw new SaidError(fault('settingsNotWritten', { why: writeFailure(error) }));
    }
    return this.emit();
  }

  /**
   * Applies the provisioned layer as a whole. A provisioned value overrides the person's choice
   * while provisioning sets it; a locked key without a provisioned value falls back to the default.
   */
  applyProvisioned(settings: SettingsPatch, locked: readonly SettingKey[]): void {
    this.provisioned = { ...settings };
    this.locked = new Set(locked);
    this.emit();
  }

  onChanged(listener: (view: SettingsView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): SettingsView {
    const view = this.view();
    for (const l of this.listeners) l(view);
    return view;
  }
}
