import * as SIPMessage from 'jssip/lib/SIPMessage';

/**
 * Runtime fixes for JsSIP 3.13 bugs that affect a softphone, applied once when the engine loads.
 *
 * 491 re-attempt with a stale CSeq: when a re-INVITE gets 491 Request Pending, JsSIP's
 * Dialog/RequestSender re-sends it after 1 s with `request.cseq` incremented, but the CSeq
 * *header* it serialises is the old one, so the retry goes out with the CSeq the far end already
 * refused (seen in the lab: both re-INVITEs carried "CSeq: 7907 INVITE"). A strict peer treats it
 * as a retransmission or rejects it. The header is re-derived from `cseq` before serialising.
 */
interface MutableRequest {
  cseq: number;
  method: string;
  setHeader(name: string, value: string): void;
  toString(): string;
}

let applied = false;
export function applyJsSipFixes(): void {
  if (applied) return;
  applied = true;
  const Outgoing = (SIPMessage as unknown as { OutgoingRequest?: { prototype: MutableRequest } }).OutgoingRequest;
  if (!Outgoing) return;
  const serialise = Outgoing.prototype.toString;
  Outgoing.prototype.toString = function (this: MutableRequest) {
    if (typeof this.cseq === 'number' && this.method) this.setHeader('cseq', `${this.cseq} ${this.method}`);
    return serialise.call(this);
  };
}
