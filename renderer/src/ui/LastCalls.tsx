import { useEffect, useState } from 'react';
import type { FrontdeskApi } from '../../../common/contract';
import type { CallOutcome } from '../../../common/callLog';
import type { ClientCard } from '../../../common/directory';
import { dueText, formatDuration, shortDateTime } from './format';
import { useLocale } from '../i18n';
import { CallRecordings } from './Recording';
import { afterNextPaint } from '../afterPaint';

type LastCall = ClientCard['lastCalls'][number];

function Item({ api, call, now }: { api: FrontdeskApi; call: LastCall; now: Date }) {
  const { t, locale, language } = useLocale();
  const w = call.wrapUp;
  const outcome = w?.outcome ? t(`wrapUpOutcome.${w.outcome}`) : w ? t('lastCalls.wrapUpPending') : t(`lastCalls.outcome.${call.outcome as CallOutcome}`, { defaultValue: call.outcome });
  const head = [shortDateTime(new Date(call.startedAt), locale), call.direction === 'inbound' ? t('lastCalls.incoming') : t('lastCalls.outgoing'), call.durationMs !== null ? formatDuration(call.durationMs, locale) : null, outcome]
    .filter(Boolean)
    .join(' · ');
  const notes = w?.notes ?? call.notes;
  return (
    <li className="last-calls__item">
      <span className="last-calls__head">{head}</span>
      {notes && <span className="last-calls__notes">{notes}</span>}
      {w?.nextStep && (
        <span className="last-calls__next">
          {t('lastCalls.nextStep', { what: w.nextStep.what, when: dueText(t, w.nextStep, now, language, locale) })}
        </span>
      )}
      {call.recordingId && <CallRecordings api={api} query={{ conversationId: call.conversationId }} who={head} />}
    </li>
  );
}

/** The client card's last calls, newest first, each with the outcome and notes of its wrap-up. */
export function LastCalls({ api, clientId }: { api: FrontdeskApi; clientId: string }) {
  const { t } = useLocale();
  const [calls, setCalls] = useState<{ clientId: string; list: LastCall[] } | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      void api.directory.get({ id: clientId }).then(
        (card) => live && setCalls({ clientId, list: card?.lastCalls ?? [] }),
        () => undefined,
      );
    // A frame after the card: asked for in the render that pops a ringing call, the request (its
    // checks, the bridge) would run before that frame is painted.
    afterNextPaint(() => {
      if (live) load();
    });
    const offCalls = api.calls.onChanged(load);
    const offWrapUps = api.wrapUps.onChanged(load);
    return () => {
      live = false;
      offCalls();
      offWrapUps();
    };
  }, [api, clientId]);
  const list = calls?.clientId === clientId ? calls.list : null;
  if (!list) return null;
  const now = new Date();
  return (
    <div className="last-calls">
      <h4>{t('lastCalls.title')}</h4>
      {list.length === 0 ? (
        <p className="last-calls__none">{t('lastCalls.none')}</p>
      ) : (
        <ul aria-label={t('lastCalls.title')}>
          {list.map((c) => (
            <Item key={c.id} api={api} call={c} now={now} />
          ))}
        </ul>
      )}
    </div>
  );
}
