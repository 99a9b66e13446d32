import { EncodedAudioPacketSource, EncodedPacket, Output, StreamTarget, WebMOutputFormat, type StreamTargetChunk } from 'mediabunny';
import { emptyPacketLike, multistreamPacket, opusHead, opusRate, packetSamples } from './opusMultistream';

/**
 * A 2-channel audio track recorded as WebM with one Opus track of two uncoupled mono streams (see
 * opusMultistream.ts): each channel is encoded alone by its own WebCodecs AudioEncoder, so neither
 * side of a call bleeds into the other's channel however low the bitrate. Muxed by mediabunny as an
 * append-only WebM (clusters of about a second, sizes unknown, like MediaRecorder's): whatever
 * bytes have been handed over so far are a playable file up to there.
 */

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
  /** Packets go to the muxer one after the other. */
  private muxing: Promise<unknown> = Promise.resolve();
  private written = 0;
  /** Frames taken (per channel, gaps filled): the file's timeline. */
  private frames = 0;
  /** Frames handed to the encoders (per channel). */
  private encodedFrames = 0;
  /** One packet's worth of each channel, filled as the audio comes. */
  private batch: Float32Array<ArrayBuffer>[] = [];
  private batchFrames = 0;
  private batchFill = 0;
  /** The first block's timestamp (µs), against which a gap shows. */
  private firstTimestamp: number | null = null;
  /** Stretches of audio that never came, filled with silence. */
  gaps = 0;
  private headSent = false;
  private preSkip = 312;
  private inputRate = opusRate;
  private failed = false;
  private stopping: Promise<void> | null = null;
  /** Multistream packets muxed (a test's and a benchmark's figure). */
  packets = 0;

  constructor(private readonly options: StereoOpusOptions) {
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

  /** Starts the file; audio written meanwhile waits for it in the muxer's queue. */
  async start(): Promise<void> {
    const started = this.output.start();
    this.muxing = this.muxing.then(() => started);
    await started;
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

  /**
   * A block of both channels (the same length), taken at `timestampUs` on the audio's clock: each
   * channel to its own encoder. A stretch missing before it (the clock moved on by more than a
   * tenth of a second past the audio taken) is silence in the file, so the timeline stays the call's.
   */
  write(timestampUs: number, channels: readonly [Float32Array, Float32Array], sampleRate: number, leadUs = 0) {
    if (this.failed) return;
    if (this.encoders.length === 0) this.configure(sampleRate);
    // `leadUs` (the first block only): how long before it the file starts, in silence.
    this.firstTimestamp ??= timestampUs - leadUs;
    const missing = Math.round(((timestampUs - this.firstTimestamp) * this.inputRate) / 1e6) - this.frames;
    if (missing > this.inputRate / 10) {
      this.gaps++;
      this.append(missing, null);
    }
    this.append(channels[0].length, channels);
  }

  /**
   * Adds frames (from `channels`, or silence when null) to the batch, which goes to the encoders
   * each time it holds one Opus packet's worth: one encode per packet (a task on the encoder's
   * thread each time).
   */
  private append(numberOfFrames: number, channels: readonly [Float32Array, Float32Array] | null) {
    this.frames += numberOfFrames;
    let offset = 0;
    while (offset < numberOfFrames) {
      const n = Math.min(numberOfFrames - offset, this.batchFrames - this.batchFill);
      for (let stream = 0; stream < 2; stream++) {
        const into = this.batch[stream]!.subarray(this.batchFill, this.batchFill + n);
        if (channels) into.set(channels[stream]!.subarray(offset, offset + n));
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

  /** Encodes what is buffered and ends the file's last cluster (the audio written so far is all of it). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
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
