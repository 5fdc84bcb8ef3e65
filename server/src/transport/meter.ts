import type { Metrics } from "../observability/metrics.ts";
import type { ClientEvents } from "./unreliable/channel.ts";

/** Counts WebSocket frames and payload bytes in both directions. */
export interface TrafficMeter {
  sent(bytes: number): void;
  received(bytes: number): void;
  /** A frame that made the room's decoder throw; the client is closed with PROTOCOL_VIOLATION. */
  malformed(): void;
  /** A frame over MAX_MESSAGE_BYTES; the client is closed with MESSAGE_TOO_BIG. */
  oversized(): void;
  /** More frames than MAX_MESSAGES_PER_SECOND; the client is closed with RATE_LIMITED. */
  rateLimited(): void;
  /** A bad ack (truncated, or more alone in one second than MAX_MESSAGES_PER_SECOND); the client is closed with PROTOCOL_VIOLATION. */
  badAck(reason: "truncated_ack" | "ack_flood"): void;
  /** A client connection ended with this WebSocket close code. */
  closed(code: number): void;
}

export function meterFromMetrics(m: Metrics): TrafficMeter {
  const t = m.traffic;
  return {
    sent(bytes) {
      t.framesSent++;
      t.bytesSent += bytes;
    },
    received(bytes) {
      t.framesReceived++;
      t.bytesReceived += bytes;
    },
    malformed() {
      m.messagesRejected.inc({ reason: "malformed_frame" });
    },
    oversized() {
      m.messagesRejected.inc({ reason: "oversized" });
      m.limitCloses.inc({ limit: "size" });
    },
    rateLimited() {
      m.messagesRejected.inc({ reason: "rate_limited" });
      m.limitCloses.inc({ limit: "rate" });
    },
    badAck(reason) {
      // A truncated ack is a malformed frame like any other.
      m.messagesRejected.inc({ reason: reason === "truncated_ack" ? "malformed_frame" : reason });
    },
    closed(code) {
      m.clientCloses.inc({ code: String(code) });
    },
  };
}

/** Channel events (unreliable frames sent and dropped, backlog closes) counted in metrics. */
export function channelEventsFromMetrics(m: Metrics): ClientEvents {
  return {
    sent(_bytes, keyframe) {
      if (keyframe) m.traffic.unreliableKeyframes++;
      else m.traffic.unreliableDeltas++;
    },
    dropped(reason) {
      m.unreliableDropped.inc({ reason });
    },
    backlogOverflow() {
      m.backlogCloses.inc();
    },
  };
}
