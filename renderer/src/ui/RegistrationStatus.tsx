import type { EngineSnapshot } from '../sip/engine';

/** Whether this desk is registered to the PBX, as whom, and if not, why. */
export function RegistrationStatus({ snapshot }: { snapshot: EngineSnapshot }) {
  const { registration, account } = snapshot;
  const who = account ? `${account.user}${account.displayName ? ` (${account.displayName})` : ''}` : '';
  let text: string;
  let tone: 'ok' | 'wait' | 'bad';
  switch (registration.state) {
    case 'no-account':
      text = 'Not registered: no SIP account is provisioned on this PC';
      tone = 'bad';
      break;
    case 'connecting':
      text = `Not registered: connecting to the PBX as ${who}…`;
      tone = 'wait';
      break;
    case 'registering':
      text = `Not registered yet: registering as ${who}…`;
      tone = 'wait';
      break;
    case 'registered':
      text = `Registered as ${who}`;
      tone = 'ok';
      break;
    case 'failed':
      text = `Not registered: ${registration.reason}`;
      tone = 'bad';
      break;
    case 'disconnected':
      text = `Not registered: ${registration.reason}`;
      tone = 'bad';
      break;
  }
  return (
    <p role="status" aria-label="Registration" className={`registration registration--${tone}`} data-state={registration.state}>
      <span className="registration__dot" aria-hidden="true" />
      {text}
    </p>
  );
}
