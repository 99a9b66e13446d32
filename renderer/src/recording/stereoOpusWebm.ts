import { EncodedAudioPacketSource, EncodedPacket, Output, StreamTarget, WebMOutputFormat, type StreamTargetChunk } from 'mediabunny';
import { emptyPacketLike, multistreamPacket, opusHead, opusRate, packetSamples } from './opusMultistream';

/**
 * A 2-channel audio track recorded as WebM with one Opus track of two uncoupled mono streams (see
 * opusMultistream.ts): each channel is encoded alone by its own WebCodecs AudioEncoder, so neither
 * side of a call bleeds into the other's channel however low the bitrate. Muxed by mediabunny as an
 * append-only WebM (clusters of about a second, sizes unknown, like MediaRecorder's): whatever
 * bytes have been handed over so far are a playable file up to there.
 */

/** Chromium exposes it on window too (the standard has it in workers only). */
declare class MediaStreamTrackProcessor {
  constructor(init: { track: MediaStreamTrack; maxBufferSize?: number });
  readonly readable: ReadableStream<AudioData>;
}

/** What Chromium's Opus encoder takes beyond lib.dom's OpusEncoderConfig. */
type OpusConfig = OpusEncoderConfig & { application?: 'voip' | 'audio' | 'lowdelay'; signal?: 'auto' | 'music' | 'voice' };

export interface StereoOpusOptions {
  /** Bits per second of each channel's stream (variable: less in silence). */
  bitsPerChannel: number;
  /** Each packet's length, µs (Opus: up to 60 000; longer packets cost less in framing). */
  frameDurationUs: number;
  /** Opus encoder complexity, 0–10 (the browser's default when absent: libopus's 9). */
  complexity?: number;
  /** Opus DTX: next to nothing sent in a silence. */
  dtx?: boolean;
  /** The file's bytes as they come, in order. */
  onBytes: (bytes: Uint8Array) => void;
  /** Encoding failed: the recording stops there (what was written stays playable). */
  onError: (error: Error) => void;
}

export class StereoOpusWebm {
  private readonly output: Output;
  private readonly source = new EncodedAudioPacketSource('opus');
  private encoders: AudioEncoder[] = [];
  /** Each stream's packets not yet paired, oldest first. */
  private readonly queues: { timestamp: number; data: Uint8Array }[][] = [[], []];
  private reader: ReadableStreamDefaultReader<AudioData> | null = null;
  private pumping: Promise<void> = Promise.resolve();
  /** Packets go to the muxer one after the other. */
  private muxing: Promise<unknown> = Promise.resolve();
  private written = 0;
  /** Frames taken from the track (per channel, gaps filled): the file's timeline. */
  private frames = 0;
  /** Frames handed to the encoders (per channel). */
  private encodedFrames = 0;
  /** One packet's worth of each channel, filled as the track delivers. */
  private batch: Float32Array<ArrayBuffer>[] = [];
  private batchFrames = 0;
  private batchFill = 0;
  /** The first AudioData's timestamp (µs), against which a gap in the track shows. */
  private firstTimestamp: number | null = null;
  /** Stretches of the track that never came (the page stalled past the buffer), filled with silence. */
  gaps = 0;
  private headSent = false;
  private preSkip = 312;
  private inputRate = opusRate;
  private failed = false;
  private stopping: Promise<void> | null = null;
  /** Multistream packets muxed (a test's and a benchmark's figure). */
  packets = 0;

  constructor(
    /** The 2-channel track to record; null to be given AudioData by `write` (a test's way). */
    private readonly track: MediaStreamTrack | null,
    private readonly options: StereoOpusOptions,
  ) {
    const writable = new WritableStream<StreamTargetChunk>({
      write: (chunk) => {
        if (chunk.position !== this.written) throw new Error(`the WebM muxer wrote at ${chunk.position}, not at the end (${this.written})`);
        this.written += chunk.data.byteLength;
        this.options.onBytes(chunk.data);
      },
    });
    this.output = new Output({ format: new WebMOutputFormat({ appendOnly: true }), target: new StreamTarget(writable) });
    this.output.addAudioTrack(this.source);
  }

  async start(): Promise<void> {
    await this.output.start();
    if (!this.track) return;
    // The track's audio comes every 10 ms and waits for this page's main thread: by default only 10
    // of them do (measured: a 400 ms stall lost 300 ms of audio). 3 s of them ride out a busy page.
    const processor = new MediaStreamTrackProcessor({ track: this.track, maxBufferSize: 300 });
    this.reader = processor.readable.getReader();
    this.pumping = this.pump(this.reader);
  }

  private async pump(reader: ReadableStreamDefaultReader<AudioData>) {
    for (;;) {
      let result: ReadableStreamReadResult<AudioData>;
      try {
        result = await reader.read();
      } catch (error) {
        this.fail(error);
        return;
      }
      if (result.done) return;
      const data = result.value;
      try {
        this.write(data);
      } catch (error) {
        this.fail(error);
      } finally {
        data.close();
      }
    }
  }

  private configure(sampleRate: number) {
    this.inputRate = sampleRate;
    this.batchFrames = Math.round((sampleRate * this.options.frameDurationUs) / 1e6);
    this.batch = [new Float32Array(this.batchFrames), new Float32Array(this.batchFrames)];
    const opus: OpusConfig = {
      frameDuration: this.options.frameDurationUs,
      application: 'voip',
      signal: 'voice',
      usedtx: this.options.dtx ?? false,
      useinbandfec: false,
      packetlossperc: 0,
      ...(this.options.complexity === undefined ? {} : { complexity: this.options.complexity }),
    };
    this.encoders = [0, 1].map(
      (stream) =>
        new AudioEncoder({
          output: (chunk, meta) => this.encoded(stream, chunk, meta),
          error: (error) => this.fail(error),
        }),
    );
    for (const encoder of this.encoders) {
      encoder.configure({ codec: 'opus', sampleRate, numberOfChannels: 1, bitrate: this.options.bitsPerChannel, bitrateMode: 'variable', opus });
    }
  }

  /** Splits a 2-channel AudioData into its two channels, each to its own encoder (the caller closes `data`). */
  write(data: AudioData) {
    if (this.failed) return;
    if (this.encoders.length === 0) this.configure(data.sampleRate);
    this.firstTimestamp ??= data.timestamp;
    // Audio the track dropped (its buffer overflowed) is silence in the file, so the timeline stays the call's.
    const missing = Math.round(((data.timestamp - this.firstTimestamp) * this.inputRate) / 1e6) - this.frames;
    if (missing > this.inputRate / 10) {
      this.gaps++;
      this.append(missing, null);
    }
    this.append(data.numberOfFrames, data);
  }

  /**
   * Adds frames (from `data`, or silence when null) to the batch, which goes to the encoders each
   * time it holds one Opus packet's worth: one encode per packet instead of one per 10 ms the track
   * delivers (a task on the encoder's thread each time).
   */
  private append(numberOfFrames: number, data: AudioData | null) {
    this.frames += numberOfFrames;
    let offset = 0;
    while (offset < numberOfFrames) {
      const n = Math.min(numberOfFrames - offset, this.batchFrames - this.batchFill);
      for (let stream = 0; stream < 2; stream++) {
        const into = this.batch[stream]!.subarray(this.batchFill, this.batchFill + n);
        if (data) data.copyTo(into, { planeIndex: Math.min(stream, data.numberOfChannels - 1), format: 'f32-planar', frameOffset: offset, frameCount: n });
        else into.fill(0);
      }
      this.batchFill += n;
      offset += n;
      if (this.batchFill === this.batchFrames) this.encodeBatch();
    }
  }

  /** The batch (or what there is of it, at the end) to the encoders, timed by the frames before it. */
  private encodeBatch() {
    const numberOfFrames = this.batchFill;
    if (numberOfFrames === 0) return;
    const timestamp = Math.round((this.encodedFrames * 1e6) / this.inputRate);
    this.encodedFrames += numberOfFrames;
    this.batchFill = 0;
    for (let stream = 0; stream < 2; stream++) {
      const samples = this.batch[stream]!.slice(0, numberOfFrames);
      const mono = new AudioData({ format: 'f32-planar', sampleRate: this.inputRate, numberOfFrames, numberOfChannels: 1, timestamp, data: samples });
      this.encoders[stream]!.encode(mono);
      mono.close();
    }
  }

  private encoded(stream: number, chunk: EncodedAudioChunk, meta?: EncodedAudioChunkMetadata) {
    const description = meta?.decoderConfig?.description;
    if (description && stream === 0) {
      const bytes = ArrayBuffer.isView(description) ? new Uint8Array(description.buffer, description.byteOffset, description.byteLength) : new Uint8Array(description);
      if (bytes.byteLength >= 12) this.preSkip = bytes[10]! | (bytes[11]! << 8);
    }
    const data = new Uint8Array(chunk.byteLength);
    chunk.copyTo(data);
    this.queues[stream]!.push({ timestamp: chunk.timestamp, data });
    this.pair(false);
  }

  /**
   * Pairs the streams' packets by time. A stream with no packet at a time the other has one (Opus DTX
   * sends none in a silence) gets an empty one of that length; at the end, what is left is paired so.
   */
  private pair(final: boolean) {
    const [a, b] = this.queues as [{ timestamp: number; data: Uint8Array }[], { timestamp: number; data: Uint8Array }[]];
    for (;;) {
      const ha = a[0];
      const hb = b[0];
      if (!ha && !hb) return;
      if (!final && (!ha || !hb)) return;
      if (ha && hb && Math.abs(ha.timestamp - hb.timestamp) < 1000) {
        a.shift();
        b.shift();
        this.mux(ha.timestamp, [ha.data, hb.data]);
      } else if (ha && (!hb || ha.timestamp < hb.timestamp)) {
        a.shift();
        this.mux(ha.timestamp, [ha.data, emptyPacketLike(ha.data)]);
      } else {
        b.shift();
        this.mux(hb!.timestamp, [emptyPacketLike(hb!.data), hb!.data]);
      }
    }
  }

  private mux(timestampUs: number, packets: Uint8Array[]) {
    let packet: Uint8Array;
    try {
      packet = multistreamPacket(packets);
    } catch (error) {
      this.fail(error);
      return;
    }
    const duration = packetSamples(packets[1]!) / opusRate;
    const meta = this.headSent
      ? undefined
      : { decoderConfig: { codec: 'opus', sampleRate: opusRate, numberOfChannels: 2, description: opusHead({ preSkip: this.preSkip, inputSampleRate: this.inputRate, channels: 2 }) } };
    this.headSent = true;
    this.packets++;
    const encoded = new EncodedPacket(packet, 'key', timestampUs / 1e6, duration);
    this.muxing = this.muxing.then(() => this.source.add(encoded, meta)).catch((error: unknown) => this.fail(error));
  }

  private fail(error: unknown) {
    if (this.failed) return;
    this.failed = true;
    this.options.onError(error instanceof Error ? error : new Error(String(error)));
  }

  /** Stops reading the track, encodes what is buffered and ends the file's last cluster. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // Ending the track closes the processor's stream after what it has queued, which is read to
      // the end (cancelling would drop it: the call's last moments on a busy page); cancelled only
      // if that does not come within two seconds.
      this.track?.stop();
      const drained = await Promise.race([this.pumping.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000))]);
      if (!drained) await this.reader?.cancel().catch(() => undefined);
      await this.pumping;
      if (this.encoders.length > 0 && !this.failed) this.encodeBatch();
      for (const encoder of this.encoders) {
        try {
          if (encoder.state === 'configured') await encoder.flush();
        } catch (error) {
          this.fail(error);
        }
        if (encoder.state !== 'closed') encoder.close();
      }
      this.pair(true);
      await this.muxing;
      if (this.packets > 0) {
        try {
          await this.output.finalize();
        } catch (error) {
          this.fail(error);
        }
      } else {
        await this.output.cancel();
      }
    })();
    return this.stopping;
  }
}
