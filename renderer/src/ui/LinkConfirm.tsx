import { useEffect, useRef } from 'react';
import { formatNumber } from './format';
import { useLocale } from '../i18n';
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
  const { t } = useLocale();
  const dialogRef = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = dialogRef.current;
    if (d && !d.open) d.showModal();
  }, []);
  const number = /^\+?\d{7,}$/.test(prompt.link.number) ? formatNumber(prompt.link.number, region) : prompt.link.number;
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
        {prompt.link.extension ? t('desktop.linkTitleExtension', { number, extension: prompt.link.extension }) : t('desktop.linkTitle', { number })}
      </h2>
      <p id="link-confirm-from">
        {prompt.link.host ? t('desktop.linkFromHost', { host: prompt.link.host }) : t('desktop.linkFrom')}
      </p>
      <div className="dialog__actions">
        <button type="button" className="btn btn--primary" autoFocus onClick={onCall}>
          {t('desktop.linkCall')}
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          {t('desktop.linkCancel')}
        </button>
      </div>
    </dialog>
  );
}
