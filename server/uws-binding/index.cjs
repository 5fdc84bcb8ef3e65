"use strict";
// `require("uWebSockets.js")` resolves here (an npm alias in the root package.json), so the
// Colyseus transport and the server load the same binding, chosen by ./selection.cjs.
const selection = require("./selection.cjs")();
if (!selection.native) throw new Error(selection.reason);
module.exports = selection.binding;
