/**
 * The recording's capture, on the audio rendering thread (an AudioWorklet of the recording's
 * context): it takes the 2-channel mix the graph renders every 128 frames and hands it to the page
 * in blocks of `blockFrames`, so the page's main thread wakes once a block (64 ms at 16 kHz)
 * instead of every 10 ms for a MediaStreamTrackProcessor's AudioData, and copies nothing in between.
 * Each block says the context frame it starts at: the file's timeline is the context's.
 * Loaded with audioWorklet.addModule (its own bundle: no imports).
 */

// What AudioWorkletGlobalScope provides (not in TypeScript's DOM library).
declare const currentFrame: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, processor: new (options: { processorOptions?: CaptureOptions }) => AudioWorkletProcessor): void;

export const captureProcessorName = 'frontdesk-capture';

export interface CaptureOptions {
  /** Frames per block handed to the page (a multiple of 128, the render quantum). */
  blockFrames: number;
}

/** What the page receives: a block of both channels, or (after 'flush') the end of what was taken. */
export type CaptureMessage = { frame: number; channels: [Float32Array, Float32Array] } | { flushed: true };

if (typeof registerProcessor === 'function') {
  registerProcessor(
    captureProcessorName,
    class Capture extends AudioWorkletProcessor {
      private readonly blockFrames: number;
      private channels: [Float32Array, Float32Array];
      private fill = 0;
      private startFrame = 0;
      private open = true;

      constructor(options: { processorOptions?: CaptureOptions }) {
        super();
        this.blockFrames = options.processorOptions?.blockFrames ?? 1024;
        this.channels = this.fresh();
        // 'flush': what is taken so far goes now, and nothing after it (the recording stops).
        this.port.onmessage = (e: MessageEvent) => {
          if (e.data !== 'flush' || !this.open) return;
          this.open = false;
          this.send();
          this.port.postMessage({ flushed: true } satisfies CaptureMessage);
        };
      }

      private fresh(): [Float32Array, Float32Array] {
        return [new Float32Array(this.blockFrames), new Float32Array(this.blockFrames)];
      }

      private send() {
        if (this.fill === 0) return;
        const channels: [Float32Array, Float32Array] = this.fill === this.blockFrames ? this.channels : [this.channels[0].slice(0, this.fill), this.channels[1].slice(0, this.fill)];
        this.port.postMessage({ frame: this.startFrame, channels } satisfies CaptureMessage, [channels[0].buffer, channels[1].buffer]);
        this.channels = this.fresh();
        this.fill = 0;
      }

      process(inputs: Float32Array[][]): boolean {
        if (!this.open) return false;
        const input = inputs[0] ?? [];
        const frames = input[0]?.length ?? 128;
        if (this.fill === 0) this.startFrame = currentFrame;
        for (let c = 0; c < 2; c++) {
          // (an input with no connection renders no channels: silence)
          const from = input[Math.min(c, input.length - 1)];
          if (from) this.channels[c]!.set(from, this.fill);
        }
        this.fill += frames;
        if (this.fill + frames > this.blockFrames) this.send();
        return true;
      }
    },
  );
}
