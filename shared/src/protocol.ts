// @tickwire/shared/protocol: what the server and the client SDK share about the wire and the
// schema marks. A game does not need it.
export {
  TickwireProtocol,
  ACK_HEADER_BYTES,
  UNRELIABLE_PATCH_BYTE,
  writeAckHeader,
  prependAck,
  readAckHeader,
  unreliableSeqOf,
  seqNewer,
  type Ack,
} from "./protocol/ack.ts";
export {
  INPUT_FRAME_CODE,
  INPUT_FRAME_HEADER_BYTES,
  MAX_INPUTS_PER_FRAME,
  MAX_INPUT_BYTES,
  inputCodecOf,
  inputFrameBytes,
  writeInputFrame,
  readInputFrameHeader,
  checkInputFrame,
  inputFrameSeq,
  inputFrameCount,
  type InputCodec,
} from "./protocol/input.ts";
export {
  BUNDLE_CODE,
  BUNDLE_PART_HEADER_BYTES,
  HELLO_CODE,
  HELLO_VERSION,
  forEachBundled,
  helloFrame,
} from "./protocol/bundle.ts";
export { inputAckFieldOf } from "./schema/define.ts";
export {
  schemaFields,
  schemaField,
  isNumericField,
  mapEntityClass,
  type SchemaField,
} from "./schema/metadata.ts";
export { markUnreliable, markOwnerOnly, OWNER_ONLY_FIELDS, UNRELIABLE_FIELDS } from "./schema/unreliable.ts";
