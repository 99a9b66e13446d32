import { z } from 'zod';
import { HOTKEY_ACTIONS } from './hotkeys';
import { SaidSchema } from './said';

/**
 * What the desktop shell (tray, notifications, global hotkeys, the updater) needs to know of the
 * calls, and what it tells back. The renderer's session reports `DesktopStatus` after every change
 * (`desktop.status`); the Electron shell answers with the state of its global hotkeys. The browser
 * host has no desktop around it and answers with none.
 */

export const RegistrationSummarySchema = z.enum(['no-account', 'connecting', 'registered', 'failed', 'disconnected']);
export type RegistrationSummary = z.infer<typeof RegistrationSummarySchema>;

export const DesktopStatusSchema = z.strictObject({
  /** The SIP registration, summed up. */
  registration: RegistrationSummarySchema,
  /** Do not disturb, as the setting says. */
  dnd: z.enum(['off', 'reject', 'missed']),
  /** Missed calls not yet seen (the history's badge). */
  missed: z.number().int().min(0).max(1_000_000),
  /** Calls going on (talking or held; ringing ones are in `ringing`). */
  calls: z.number().int().min(0).max(100),
  /** The calls ringing now, oldest first. */
  ringing: z
    .array(
      z.strictObject({
        callId: z.string().min(1).max(200),
        /** Who is calling, as the app shows it. */
        caller: z.string().max(200),
        /** The line (dialled number) that rang, when known. */
        line: z.string().max(100).nullable().optional(),
      }),
    )
    .max(20),
});
export type DesktopStatus = z.infer<typeof DesktopStatusSchema>;

/** A global hotkey as the shell left it: registered, refused by the OS (another program has it), or not asked for. */
export const HotkeyRegistrationSchema = z.strictObject({
  action: z.enum(HOTKEY_ACTIONS),
  accelerator: z.string().max(100),
  state: z.enum(['registered', 'refused', 'invalid', 'off']),
  /** Why it is not registered, for the settings (field-level: `hotkeys.<action>`). */
  message: z.string().max(300).nullable(),
  /** Why it is invalid as data (common/said.ts), said in the window's language; the message is its English. */
  said: SaidSchema.optional(),
});
export type HotkeyRegistration = z.infer<typeof HotkeyRegistrationSchema>;

export const ShellStateSchema = z.strictObject({
  /** Every global hotkey's registration; empty where there are none (the browser host). */
  hotkeys: z.array(HotkeyRegistrationSchema).max(20),
});
export type ShellState = z.infer<typeof ShellStateSchema>;

export const idleDesktopStatus: DesktopStatus = { registration: 'no-account', dnd: 'off', missed: 0, calls: 0, ringing: [] };
