/** The shape of docs/bench-results.json (written by bench/run.ts, drawn by chart.ts). */
import type { BrokerMemory } from './broker-memory.js';

export interface ThroughputResult {
  endpoint: string;
  /** MiB/s of every run, in the order they ran (interleaved). */
  runs: { stream: number[]; raw: number[]; stompjs: number[] };
  /** Medians, MiB/s. */
  stream: number;
  raw: number;
  stompjs: number;
  streamOverRaw: number;
  streamOverStompjs: number;
  /** Stream runs: CPU seconds per GiB of each process and of the broker; `rawBroker`: the broker in the raw runs. */
  cpuSecondsPerGiB: { producer: number; consumer: number; broker: number; rawBroker: number };
}

export interface SweepPoint {
  /** `grid`: chunk size × window (both sides); `producerWindow`: the producer's receipt window alone. */
  kind: 'grid' | 'producerWindow';
  endpoint: string;
  chunkSize: number;
  /** Consumer prefetch. */
  window: number;
  /** Producer receipt window. */
  producerWindow: number;
  /** MiB/s; NaN when the transfer failed (then `error` names the code). */
  rate: number;
  error?: string;
}

export interface MemoryResult {
  endpoint: string;
  bytes: number;
  rate: number;
  producerRssMiB: number;
  consumerRssMiB: number;
  broker: BrokerMemory;
}

export interface LatencyResult {
  endpoint: string;
  samplesMs: number[];
  medianMs: number;
  p95Ms: number;
}

export interface CpuResult {
  endpoint: string;
  stream: { producer: number; consumer: number };
  streamSha256: { producer: number; consumer: number };
  raw: { producer: number; consumer: number };
  hashSecondsPerGiB: { xxh64PerFragment: number; sha256: number };
  brokerSecondsPerGiB: { raw: number; stream: number; streamSha256: number };
}

export interface ManyResult {
  endpoint: string;
  producers: number;
  streams: number;
  consumers: number;
  minBytes: number;
  maxBytes: number;
  bytes: number;
  rate: number;
  perConsumerBytes: number[];
  perConsumerStreams: number[];
  /** max / min bytes per consumer. */
  fairness: number;
  /** Streams that failed, by error code (`ERR_GAP ×3`); empty when none. */
  failedStreams: string;
}

export interface BenchResults {
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; date: string };
  config: { bytes: number; rounds: number; quick: boolean; chunkSize: { activemq: number; rabbitmq: number }; window: number };
  throughput: ThroughputResult[];
  sweep: SweepPoint[];
  memory: MemoryResult[];
  latency: LatencyResult[];
  cpu: CpuResult | undefined;
  many: ManyResult[];
}
