import type { FrontdeskApi } from '../../common/contract';
import { extractCallContext, type CrmLead, type CrmStatus } from '../../common/crm';
import { webLeadFromUnansweredCall } from '../../common/wrapUp';
import type { Call } from './sip/callMachine';
import type { SipEngine } from './sip/engine';

/**
 * A web lead that called and was not answered here (the PBX put its lead id on the INVITE, header
 * `pbxHeaders.leadId`, default X-Lead-Id) goes on the Call back list at once, with the request it
 * left when the CRM can look the lead up. The services add a lead id only once, so a lead that calls
 * three times is one row.
 */
export function followUpMissedWebLeads(engine: SipEngine, api: FrontdeskApi, onError: (message: string) => void): () => void {
  let status: CrmStatus | null = null;
  const refresh = () => void api.crm.status().then((s) => (status = s), () => undefined);
  refresh();
  const offAccount = api.account.onChanged(refresh);
  const seen = new Set<string>();

  const add = async (call: Call, leadId: string) => {
    let lead: CrmLead | null = null;
    if (status?.leads) {
      const found = await api.crm.lookupLead({ kind: 'lead', id: leadId }).catch(() => null);
      if (found?.status === 'found') lead = found.lead;
    }
    const input = webLeadFromUnansweredCall({
      direction: call.direction,
      answered: call.answeredAt !== null,
      remoteNumber: call.remote.number,
      remoteName: call.remote.displayName,
      leadId,
      lead,
      now: new Date(),
    });
    if (input) await api.followUps.add(input);
  };

  const offEngine = engine.subscribe(() => {
    const { calls } = engine.getSnapshot();
    for (const id of calls.order) {
      const call = calls.calls[id]!;
      if (call.phase !== 'ended' || seen.has(id)) continue;
      seen.add(id);
      const leadId = extractCallContext(call.sipHeaders, status?.pbxHeaders).leadId;
      if (leadId && call.direction === 'inbound' && call.answeredAt === null) {
        add(call, leadId).catch((e: Error) => onError(`The web lead ${leadId} could not be put on the Call back list: ${e.message}`));
      }
    }
  });
  return () => {
    offAccount();
    offEngine();
  };
}
