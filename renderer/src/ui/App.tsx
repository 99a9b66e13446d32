import { memo, useContext, useEffect, useEffectEvent, useMemo, useState, useSyncExternalStore } from 'react';
import type { AccountView, FrontdeskApi } from '../../../common/contract';
import type { Colleague } from '../../../common/provisioning';
import type { CallRecord } from '../../../common/callLog';
import { liveCalls, type Call } from '../sip/callMachine';
import type { SipEngine } from '../sip/engine';
import type { CallView } from '../presentation';
import { transferable, type CallSession } from '../session';
import { formatNumber, partyText } from './format';
import { CallCard } from './CallCard';
import { Dialer } from './Dialer';
import { RegistrationStatus } from './RegistrationStatus';
import { SettingsPanel } from './SettingsPanel';
import { SidePanel } from './SidePanel';
import { Rehearsal } from './Rehearsal';
import { History } from './History';
import { TextMessages, TransferDialog } from './Transfer';
import { MessageForm } from './MessageForm';
import { Messages } from './Messages';
import { startDraft, type MessageStart } from '../messageDraft';
import type { MessageDraft } from '../../../common/messages';
import { provisioningProblemText } from '../../../common/provisioning';
import { CallBackList } from './CallBack';
import { ColleaguesPanel, OwnStatus, usePresence, type ColleagueActions } from './Colleagues';
import { ImportClients } from './ImportClients';
import { Reports } from './Reports';
import { HistoryWritesNotice } from './HistoryWrites';
import { RecorderContext, RecordingStatus } from './Recording';
import type { CallReporter } from '../callReporter';
import { LinkConfirm } from './LinkConfirm';
import type { DesktopTools } from './SettingsPanel';
import { useLocale } from '../i18n';
import { dateTimeFormat, listFormat } from '../../../common/i18n/intl';
import { useStableCallback } from './stableCallback';
import { useClock } from './clock';

// What a ringing call does not change (the top bar's status, the side column) is memoized, and App
// gives it props that keep their identity across a call's changes: the render that pops a call
// then draws the call, its card and its script, not the dialer, colleagues, messages and history
// (on the first call after start they cost as much as the card: their code runs cold).
const MemoRegistrationStatus = memo(RegistrationStatus);
const MemoHistoryWritesNotice = memo(HistoryWritesNotice);
const MemoDialer = memo(Dialer);
const MemoColleaguesPanel = memo(ColleaguesPanel);
const MemoOwnStatus = memo(OwnStatus);
const MemoCallBackList = memo(CallBackList);
const MemoMessages = memo(Messages);
const MemoHistory = memo(History);
const MemoImportClients = memo(ImportClients);
const noColleagues: readonly Colleague[] = [];

interface Props {
  api: FrontdeskApi;
  engine: SipEngine;
  /** The calls' commands, the account and the settings (session.ts). */
  session: CallSession;
  /** What to draw: the engine's snapshot, a ringing call held back for its caller's card (presentation.ts). */
  view: CallView;
  /** Calls waiting to be written to the history. */
  history: Pick<CallReporter, 'subscribe' | 'writes' | 'retryNow'>;
  /** Export diagnostics and the headset, for Settings. */
  desktop: DesktopTools;
}

const ProvisioningNotice = memo(function ProvisioningNotice({ view }: { view: AccountView | null }) {
  const { t } = useLocale();
  if (!view || view.provisioning.state !== 'rejected') return null;
  const p = view.provisioning;
  return (
    <section role="alert" className="notice notice--error" aria-label={t('provisioning.label')}>
      <h2>{t('provisioning.title')}</h2>
      <p>
        {t('provisioning.problems', { count: p.problems.length, file: p.file })} {p.usingLastGood ? t('provisioning.lastGood') : t('provisioning.nothingApplied')}
      </p>
      <ul>
        {p.problems.map((problem, i) => (
          <li key={i}>
            {problem.field ? <code>{problem.field}</code> : t('provisioning.theFile')}: {provisioningProblemText(problem, t)}
          </li>
        ))}
      </ul>
    </section>
  );
});

export function App({ api, engine, session, view, history, desktop }: Props) {
  const { t, locale } = useLocale();
  const snapshot = useSyncExternalStore(view.subscribe, view.getSnapshot);
  // The session reads the account and the settings, starts the engine, rings, notifies and answers by itself.
  const { account: accountView, settings, bridgeError, linkPrompt, desktopNotice } = useSyncExternalStore(session.subscribe, session.getState);
  const recorder = useContext(RecorderContext);
  const now = useClock(1000).getTime();

  // A ringing call is the banner: it stands first, above the calls in progress.
  const ordered = snapshot.calls.order.map((id) => snapshot.calls.calls[id]!);
  const calls = [...ordered.filter((c) => c.phase === 'ringing-in'), ...ordered.filter((c) => c.phase !== 'ringing-in')];
  const live = liveCalls(snapshot.calls);
  const ringing = live.find((c) => c.phase === 'ringing-in');
  const region = settings?.values.defaultRegion ?? 'RU';
  const presence = usePresence(engine);

  const [showSettings, setShowSettings] = useState(false);
  const [transferOf, setTransferOf] = useState<{ callId: string; who?: string } | null>(null);
  const transferCall = transferOf ? snapshot.calls.calls[transferOf.callId] : undefined;
  const [messageForm, setMessageForm] = useState<{ draft: MessageDraft; callLabel: string | null } | null>(null);
  const [messageNotice, setMessageNotice] = useState<string | null>(null);
  const agentUser = snapshot.account?.user ?? null;
  const agentName = snapshot.account?.displayName ?? null;
  const agent = useMemo(() => (agentUser !== null ? { user: agentUser, name: agentName ?? '' } : null), [agentUser, agentName]);
  const colleagues = accountView?.colleagues ?? noColleagues;
  const callLabelOf = (c: MessageStart['call']) =>
    c
      ? (() => {
          const time = dateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(c.startedAt));
          return c.subject.displayName || c.subject.number ? t('app.callWith', { who: partyText(c.subject, region), time }) : t('app.callAt', { time });
        })()
      : null;
  const openMessage = (start: Omit<MessageStart, 'agent'>) => {
    if (!agent) return;
    setMessageForm({ draft: startDraft({ ...start, agent }), callLabel: callLabelOf(start.call) });
  };
  const messageOnCall = (call: Call) => openMessage({ call });
  const [showReports, setShowReports] = useState(false);

  // The window's keys, read with this render's calls and forms. An effect event: one listener for the
  // window's life calls it, so a call that rings does not take a listener off and put it back.
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    // Digits typed during a call (outside a text field) go to the far end as DTMF.
    const target = e.target as HTMLElement | null;
    const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
    if (!e.altKey && !e.ctrlKey && !e.metaKey && !typing && /^[0-9*#]$/.test(e.key)) {
      const active = live.find((c) => c.phase === 'active');
      if (active) {
        session.sendDtmf(active.id, e.key);
        e.preventDefault();
      }
      return;
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const key = e.key.toLowerCase();
    const current = live.find((c) => c.phase === 'active') ?? live.find((c) => c.phase !== 'ringing-in') ?? null;
    if (key === 'a' && ringing) session.answer(ringing.id);
    else if (key === 'd' && ringing) session.decline(ringing.id);
    else if (key === 'h' && current) session.hangup(current.id);
    else if (key === 'n') document.getElementById('dial-number')?.focus();
    else if (key === 'r' && current && recorder) recorder.toggle(current.id);
    else if (key === 'p' && current && recorder) {
      if (recorder.getView().calls[current.id]?.state === 'paused') recorder.resume(current.id);
      else recorder.pause(current.id);
    }
    else if (key === 'm' && (ringing ?? current) && !messageForm) messageOnCall((ringing ?? current)!);
    else if (key === 't' && current && transferable(current)) setTransferOf({ callId: current.id });
    // On the consultation call too: the session completes its caller's transfer.
    else if (key === 'c' && current) session.completeTransfer(current.id);
    else return;
    e.preventDefault();
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  // The call a colleague's "Transfer the caller to" would transfer: the one the agent talks on, else a held one.
  const toTransfer = live.find((c) => c.phase === 'active' && transferable(c)) ?? live.find(transferable) ?? null;
  const transferTo = useStableCallback((c: Colleague) => toTransfer && setTransferOf({ callId: toTransfer.id, who: c.extension }));
  const takeMessageFor = useStableCallback((c: Colleague) =>
    openMessage({ call: toTransfer, note: toTransfer?.transfer?.note ?? null, recipients: [{ extension: c.extension, name: c.name }] }),
  );
  const canTransfer = toTransfer !== null;
  const colleagueActions: ColleagueActions = useMemo(
    () => ({ call: (c) => void session.dial(c.extension, c.name), transferTo: canTransfer ? transferTo : null, takeMessage: takeMessageFor }),
    [session, canTransfer, transferTo, takeMessageFor],
  );
  const registered = snapshot.registration.state === 'registered';
  const ownStatus = useMemo(
    () =>
      settings && (
        <MemoOwnStatus api={api} engine={engine} presence={presence} away={settings.values.away} dnd={settings.values.dnd !== 'off'} now={now} locked={settings.locked.includes('away')} />
      ),
    [settings, api, engine, presence, now],
  );
  const newMessage = useStableCallback(() => openMessage({}));
  const resumeMessage = useStableCallback((draft: MessageDraft) => setMessageForm({ draft, callLabel: null }));
  const callBack = useStableCallback((number: string) => session.dial(number));
  const messageAboutRecord = useStableCallback((r: CallRecord) =>
    openMessage({
      callRecordId: r.id,
      call: { sipCallId: r.sipCallId, conversationId: r.conversationId, startedAt: Date.parse(r.startedAt), subject: { number: r.remoteNumber, displayName: r.clientName ?? r.remoteName } },
    }),
  );

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="topbar__title">{t('app.title')}</h1>
        <MemoRegistrationStatus registration={snapshot.registration} account={snapshot.account} />
        {settings && settings.values.dnd !== 'off' && (
          <span role="status" aria-label={t('app.dnd')} className="topbar__dnd">
            {settings.values.dnd === 'missed' ? t('app.dndMissed') : t('app.dndRefused')}
          </span>
        )}
        <button type="button" className="btn topbar__reports" aria-expanded={showReports} aria-controls="reports-panel" onClick={() => setShowReports(!showReports)}>
          {t('app.reports')}
        </button>
        <button
          type="button"
          className="btn"
          aria-expanded={showSettings}
          aria-controls="settings-panel"
          onClick={() => setShowSettings(!showSettings)}
        >
          {t('app.settings')}
        </button>
      </header>
      {showSettings && settings && (
        <div id="settings-panel" className="settings-wrap">
          <SettingsPanel api={api} view={settings} desktop={desktop} />
        </div>
      )}
      {showReports && (
        <div className="reports-wrap">
          <Reports api={api} region={region} onClose={() => setShowReports(false)} />
        </div>
      )}
      <RecordingStatus />
      {bridgeError && (
        <p role="alert" className="notice notice--error">
          {t('app.bridgeError', { error: bridgeError })}
        </p>
      )}
      {desktopNotice && (
        <div role="alert" className="notice notice--error">
          {desktopNotice}{' '}
          <button type="button" className="btn btn--small" onClick={() => session.dismissNotice()}>
            {t('call.dismiss')}
          </button>
        </div>
      )}
      {linkPrompt && <LinkConfirm key={linkPrompt.url} prompt={linkPrompt} region={region} onCall={() => session.confirmLink()} onCancel={() => session.cancelLink()} />}
      <MemoHistoryWritesNotice history={history} />
      <ProvisioningNotice view={accountView} />
      <main className="workspace">
        <section className="lines" aria-label={t('app.calls')}>
          <h2 className="visually-hidden">{t('app.calls')}</h2>
          {ringing && (
            <p className="visually-hidden" aria-live="assertive">
              {t('app.incomingFrom', { number: formatNumber(ringing.remote.number, region) })}
            </p>
          )}
          {calls.length === 0 ? <p className="lines__empty">{t('app.noCalls')}</p> : null}
          {calls.map((call) => (
            <CallCard
              key={call.id}
              call={call}
              region={region}
              now={now}
              session={session}
              focusAnswer={call.id === ringing?.id}
              consult={call.transfer?.consultId ? (snapshot.calls.calls[call.transfer.consultId] ?? null) : null}
              consultOf={call.consultFor ? (snapshot.calls.calls[call.consultFor] ?? null) : null}
              onTransfer={(c) => setTransferOf({ callId: c.id })}
              onTakeMessage={(c, colleague) => openMessage({ call: c, note: c.transfer?.note ?? null, recipients: [{ extension: colleague.number, name: colleague.displayName ?? '' }] })}
              onMessage={messageOnCall}
            />
          ))}
          {transferCall && transferCall.phase !== 'ended' && snapshot.account && (
            <TransferDialog
              key={`${transferCall.id}:${transferOf?.who ?? ''}`}
              api={api}
              session={session}
              call={transferCall}
              colleagues={colleagues}
              agent={{ user: snapshot.account.user, displayName: snapshot.account.displayName }}
              region={region}
              presence={presence}
              now={now}
              initialWho={transferOf?.who}
              onTakeMessage={(colleague, note) => {
                setTransferOf(null);
                openMessage({ call: transferCall, note, recipients: [{ extension: colleague.number, name: colleague.displayName ?? '' }] });
              }}
              onClose={() => setTransferOf(null)}
            />
          )}
          {messageForm && agent && (
            <MessageForm
              key={messageForm.draft.id}
              api={api}
              localUser={agent.user}
              initial={messageForm.draft}
              colleagues={colleagues}
              region={region}
              callLabel={messageForm.callLabel}
              onClose={() => setMessageForm(null)}
              onSaved={(sent) =>
                setMessageNotice(t('app.messageSaved', { recipients: listFormat(locale, { type: 'conjunction' }).format(sent.recipients.map((r) => (r.name ? `${r.name} (${r.extension})` : r.extension))) }))
              }
            />
          )}
          <TextMessages messages={snapshot.messages} region={region} />
        </section>
        <SidePanel api={api} calls={calls} region={region} agentName={snapshot.account?.displayName ?? null} localUser={snapshot.account?.user ?? null} />
        <Rehearsal api={api} session={session} region={region} registered={snapshot.registration.state === 'registered'} agentName={snapshot.account?.displayName ?? null} line={snapshot.account?.user ?? null} />
        <aside className="side">
          <MemoDialer session={session} disabled={!registered} />
          <MemoColleaguesPanel colleagues={colleagues} presence={presence} now={now} actions={colleagueActions} canCall={registered} own={ownStatus} />
          <MemoCallBackList api={api} session={session} region={region} localUser={agentUser} />
          <MemoMessages
            api={api}
            session={session}
            localUser={agentUser}
            region={region}
            colleagues={colleagues}
            agent={agent}
            notice={messageNotice}
            onNew={newMessage}
            onResume={resumeMessage}
          />
          <MemoHistory api={api} region={region} onCallBack={callBack} onTakeMessage={messageAboutRecord} />
          <MemoImportClients api={api} />
          <p className="shortcuts">
            {t('app.keys')} <kbd>Alt</kbd>+<kbd>A</kbd> {t('app.keysAnswer')}, <kbd>Alt</kbd>+<kbd>D</kbd> {t('app.keysDecline')}, <kbd>Alt</kbd>+<kbd>H</kbd> {t('app.keysHangUp')},{' '}
            <kbd>Alt</kbd>+<kbd>N</kbd> {t('app.keysNumber')}, <kbd>Alt</kbd>+<kbd>T</kbd> {t('app.keysTransfer')}, <kbd>Alt</kbd>+<kbd>C</kbd> {t('app.keysComplete')}, <kbd>Alt</kbd>+<kbd>M</kbd> {t('app.keysMessage')}{' '}
            <kbd>Shift</kbd>+<kbd>F10</kbd> ({t('app.keysOr')} <kbd>Enter</kbd>) {t('app.keysColleague')}
          </p>
        </aside>
      </main>
    </div>
  );
}
