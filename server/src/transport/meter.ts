import type { Metrics } from "../observability/metrics.ts";

/** Counts WebSocket frames and payload bytes in both directions. */
export interface TrafficMeter {
  sent(bytes: number): void;
  received(bytes: number): void;
  /** A frame that made the room's decoder throw; the client is closed with PROTOCOL_VIOLATION. */
  malformed(): void;
  /** A frame over MAX_MESSAGE_BYTES; the client is closed with MESSAGE_TOO_BIG. */
  oversized(): void;
  /** A client connection ended with this WebSocket close code. */
  closed(code: number): void;
}

export function meterFromMetrics(m: Metrics): TrafficMeter {
  return {
    sent(bytes) {
      m.messagesSent.inc();
      m.bytesSent.inc(bytes);
    },
    received(bytes) {
      m.messagesReceived.inc();
      m.bytesReceived.inc(bytes);
    },
    malformed() {
      m.messagesRejected.inc({ reason: "malformed_frame" });
    },
    oversized() {
      m.messagesRejected.inc({ reason: "oversized" });
    },
    closed(code) {
      m.clientCloses.inc({ code: String(code) });
    },
  };
}
