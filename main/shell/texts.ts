/**
 * Every string the Electron shell shows itself (tray, its menu, the incoming-call notification,
 * dialogs), in one place so the interface's translation can take them over. English for now.
 */
export const shellTexts = {
  appName: 'Frontdesk',
  tray: {
    show: 'Show Frontdesk',
    dnd: 'Do not disturb',
    quit: 'Quit Frontdesk',
    answer: (caller: string) => `Answer ${caller}`,
    decline: 'Decline',
    hangUp: 'Hang up',
    registration: {
      'no-account': 'no account set up',
      connecting: 'connecting to the phone system…',
      registered: 'ready for calls',
      failed: 'not registered: the phone system refused',
      disconnected: 'the phone system cannot be reached',
    } as Record<'no-account' | 'connecting' | 'registered' | 'failed' | 'disconnected', string>,
    dndOn: 'do not disturb',
    missed: (n: number) => (n === 1 ? '1 missed call' : `${n} missed calls`),
    calls: (n: number) => (n === 1 ? '1 call' : `${n} calls`),
    ringing: (caller: string) => `ringing: ${caller}`,
  },
  notification: {
    title: (caller: string) => `Incoming call: ${caller}`,
    body: (line: string | null) => (line ? `On line ${line}.` : 'Incoming call.'),
    clickHint: 'Click to open Frontdesk.',
    answer: 'Answer',
    decline: 'Decline',
  },
  hotkeys: {
    refused: (accelerator: string) => `${accelerator} is taken by another program or the system: choose another hotkey`,
  },
  updates: {
    ready: (version: string) => `Frontdesk ${version} is ready: it is installed when Frontdesk quits, or now if no call is going on.`,
  },
} as const;
