// Preloaded by bench/mcp (node -r) into the peer server so that it listens on 127.0.0.1
// only, whatever host it asks for, and reports the port it got (PORT=0 picks a free one):
//   bench-loopback: listening on 127.0.0.1:PORT
"use strict";
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
    if (args.length > 0 && typeof args[0] === "object" && args[0] !== null) {
        args[0] = { ...args[0], host: "127.0.0.1" };
    } else if (args.length > 0 && (typeof args[0] === "number" || typeof args[0] === "string")) {
        // listen(port[, host][, backlog][, cb]): drop any host given, put loopback in its place
        const rest = args.slice(1);
        if (typeof rest[0] === "string") rest.shift();
        args = [args[0], "127.0.0.1", ...rest];
    }
    this.once("listening", () => {
        const a = this.address();
        if (a && typeof a === "object") process.stderr.write(`bench-loopback: listening on ${a.address}:${a.port}\n`);
    });
    return listen.apply(this, args);
};
