// The API of the release the selected binaries implement (20.57 for Node 22+; 20.30 on the
// Node 20 fallback is a subset the server does not go beyond).
export * from "@btc-vision/uwebsockets.js";
