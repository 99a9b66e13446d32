import { useEffect, useRef } from 'react';
import { formatNumber } from './format';
import type { LinkPrompt } from '../session';

interface Props {
  prompt: LinkPrompt;
  region: string;
  onCall: () => void;
  onCancel: () => void;
}

/**
 * "Call +7 495 123 45 67?" before a link from a browser, a CRM page or the OS dials (the setting
 * confirmLinkCalls). A modal dialog: the rest of the window is out of reach until the agent chooses,
 * the focus starts on Call, Tab stays inside, Esc is Cancel.
 */
export function LinkConfirm({ prompt, region, onCall, onCancel }: Props) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialogRef.current;
    if (d && !d.open) d.showModal();
  }, []);
  const number = /^\+?\d{7,}$/.test(prompt.link.number) ? formatNumber(prompt.link.number, region) : prompt.link.number;
  const extension = prompt.link.extension ? `, extension ${prompt.link.extension}` : '';
  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby="link-confirm-title"
      aria-describedby="link-confirm-from"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
      onKeyDown={(e) => {
        // Tab stays on the dialog's two buttons (the page behind is inert, the browser's toolbar is not).
        if (e.key !== 'Tab') return;
        const buttons = [...(dialogRef.current?.querySelectorAll('button') ?? [])];
        const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
        const next = buttons[(at + (e.shiftKey ? buttons.length - 1 : 1)) % buttons.length];
        if (next) {
          e.preventDefault();
          next.focus();
        }
      }}
    >
      <h2 id="link-confirm-title">
        Call {number}
        {extension}?
      </h2>
      <p id="link-confirm-from">
        A link asks Frontdesk to call this number{prompt.link.host ? ` (at ${prompt.link.host})` : ''}.
      </p>
      <div className="dialog__actions">
        <button type="button" className="btn btn--primary" autoFocus onClick={onCall}>
          Call
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
