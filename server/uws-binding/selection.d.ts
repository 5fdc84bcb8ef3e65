export type UwsSelection =
  | {
      native: true;
      binding: typeof import("@btc-vision/uwebsockets.js");
      package: string;
      version: string;
      binary: string;
    }
  | { native: false; reason: string };

/** The native uWebSockets.js binding chosen for this process, or why none fits. */
declare function selectBinding(): UwsSelection;
export = selectBinding;
