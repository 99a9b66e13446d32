import { useState } from 'react';
import { useLocale } from '../i18n';
import type { FrontdeskApi } from '../../../common/contract';
import {
  answerOptions,
  choiceReason,
  currentPage,
  renderTemplate,
  scriptValues,
  whereWeStopped,
  type CallScript,
  type ClientValues,
  type ScriptChoice,
  type ScriptQuestion,
  type ScriptRun,
  type ScriptRunAction,
} from '../../../common/callScript';
import type { FollowUp } from '../../../common/wrapUp';

interface Props {
  api: FrontdeskApi;
  choice: ScriptChoice;
  run: ScriptRun;
  onAction: (action: ScriptRunAction) => void;
  client: ClientValues | null;
  agentName: string | null;
  /** The call is on hold: show where we stopped, for "Thanks for waiting, we'd got as far as…". */
  held: boolean;
  /** A call made from the Call back list: its follow-up fills {followUp.reason}, {followUp.note}, {followUp.when}. */
  followUp?: FollowUp | null;
}

function Question({ api, script, run, question, values, onAction }: {
  api: FrontdeskApi;
  script: CallScript;
  run: ScriptRun;
  question: ScriptQuestion;
  values: Record<string, string>;
  onAction: Props['onAction'];
}) {
  const answer = run.answers[question.id];
  const [typed, setTyped] = useState(answer && !answer.noSuitable ? answer.value : '');
  const { t } = useLocale();
  const [saying, setSaying] = useState<string | null>(answer?.noSuitable ?? null);
  const now = () => new Date().toISOString();
  const text = renderTemplate(question.text, values);
  const options = answerOptions(question, script.language);
  return (
    <fieldset className="script__question">
      <legend>{text}</legend>
      {question.kind === 'open' && (
        <form
          className="script__open"
          onSubmit={(e) => {
            e.preventDefault();
            onAction({ type: 'answer', questionId: question.id, text: typed, at: now() });
          }}
        >
          <label className="visually-hidden" htmlFor={`q-${question.id}`}>
            {t('script.answerTo', { text })}
          </label>
          <input id={`q-${question.id}`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          <button type="submit" className="btn btn--small">
            {t('script.saveAnswer')}
          </button>
        </form>
      )}
      <div className="script__options">
        {options
          .filter((o) => !o.noSuitable)
          .map((o) => (
            <button
              key={o.id}
              type="button"
              className="btn btn--small"
              aria-pressed={answer?.optionId === o.id}
              onClick={() => onAction({ type: 'answer', questionId: question.id, optionId: o.id, at: now() })}
            >
              {o.label}
            </button>
          ))}
        <button type="button" className="btn btn--small" aria-pressed={Boolean(answer?.noSuitable)} onClick={() => setSaying(saying ?? '')}>
          {options.find((o) => o.noSuitable)?.label ?? t('script.noSuitable')}
        </button>
      </div>
      {saying !== null && (
        <form
          className="script__nosuitable"
          onSubmit={(e) => {
            e.preventDefault();
            const said = saying.trim();
            if (!said) return;
            onAction({ type: 'no-suitable', questionId: question.id, text: said, at: now() });
            void api.scripts.recordNoSuitable({ scriptId: script.id, questionId: question.id, text: said, at: now() }).catch(() => undefined);
          }}
        >
          <label htmlFor={`ns-${question.id}`}>{t('script.actuallySaid')}</label>
          <textarea id={`ns-${question.id}`} value={saying} onChange={(e) => setSaying(e.target.value)} rows={2} />
          <button type="submit" className="btn btn--small">
            {t('script.saveSaid')}
          </button>
        </form>
      )}
    </fieldset>
  );
}

/** The call script on screen: the page, its phrases filled in from the card, and its questions. */
export function ScriptPanel({ api, choice, run, onAction, client, agentName, held, followUp }: Props) {
  const { t } = useLocale();
  const { script } = choice;
  const values = scriptValues({
    language: script.language,
    now: new Date(),
    client,
    agent: { name: agentName },
    line: choice.line,
    script,
    run,
    followUp: followUp && { reason: followUp.reason, note: followUp.originNote, createdAt: followUp.createdAt },
  });
  const page = currentPage(script, run);
  const stopped = whereWeStopped(script, run);
  const now = () => new Date().toISOString();
  return (
    <section className="script" aria-label={t('script.label')}>
      <h3 className="script__title">{script.title}</h3>
      <p className="script__why">{t('script.why', { reason: choiceReason(choice, t) })}</p>
      {(held || run.lastQuestionId) && stopped.page && (
        <p className="script__stopped" aria-label={t('script.whereStopped')}>
          {t('script.stoppedAt', { page: stopped.page.title })}
          {stopped.question && stopped.answer ? t('script.lastAnswer', { question: renderTemplate(stopped.question.text, values), answer: stopped.answer.value }) : ''}
        </p>
      )}
      {page ? (
        <article className="script__page" aria-label={t('script.page', { title: page.title })}>
          <h4>{page.title}</h4>
          {page.blocks.map((block, i) =>
            'say' in block ? (
              <p key={i} className={`script__say script__say--${block.style}`}>
                {renderTemplate(block.say, values)}
              </p>
            ) : 'note' in block ? (
              <p key={i} className="script__note">
                {renderTemplate(block.note, values)}
              </p>
            ) : (
              <Question key={block.question.id} api={api} script={script} run={run} question={block.question} values={values} onAction={onAction} />
            ),
          )}
        </article>
      ) : (
        <p>{t('script.finished')}</p>
      )}
      <div className="script__nav">
        <button type="button" className="btn btn--small" onClick={() => onAction({ type: 'back', at: now() })} disabled={run.history.length < 2 && !run.finishedAt}>
          {t('script.back')}
        </button>
        <button type="button" className="btn btn--small" onClick={() => onAction({ type: 'next', at: now() })} disabled={!page}>
          {t('script.next')}
        </button>
      </div>
    </section>
  );
}
