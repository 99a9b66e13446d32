import type { FrontdeskApi } from '../../common/contract';
import { SipTraceBuffer, type DiagnosticsResult } from '../../common/diagnostics';

/**
 * What the page keeps for Export diagnostics: the recent SIP messages (a bounded ring, fed by the
 * engine's socket) and the recent problems it logged. The services add the logs and the versions,
 * and redact the whole.
 */
export class PageDiagnostics {
  readonly trace = new SipTraceBuffer();
  private readonly problems: string[] = [];

  constructor(
    private readonly api: Pick<FrontdeskApi['diagnostics'], 'export'>,
    private readonly jssipVersion: string,
  ) {}

  /** Keeps a SIP message (the engine's onSipMessage). */
  onSipMessage = (direction: 'in' | 'out', text: string) => this.trace.add(direction, text);

  /** A problem the page logs: to the console and into the bundle (the newest 200). */
  problem = (message: string) => {
    console.error(`[frontdesk] ${message}`);
    this.problems.push(`${new Date().toISOString()} ${message.slice(0, 4000)}`);
    if (this.problems.length > 200) this.problems.shift();
  };

  export(): Promise<DiagnosticsResult> {
    return this.api.export({
      sipTrace: this.trace.list(),
      renderer: { userAgent: navigator.userAgent.slice(0, 500), jssip: this.jssipVersion, platform: navigator.platform.slice(0, 100) },
      rendererLog: [...this.problems],
    });
  }
}
