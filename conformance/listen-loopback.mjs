// Preloaded (node --import) into server-everything, whose HTTP transport listens on every
// interface at $PORT: binds it to loopback instead and reports the port it got, so the runner
// can start it on port 0 without a race for a free port.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  // Only the `listen(port[, callback])` form express uses; any other form is left alone.
  if ((typeof args[0] === 'number' || typeof args[0] === 'string') && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1');
    this.once('listening', () => {
      const address = this.address();
      if (address && typeof address === 'object') process.stderr.write(`conformance-upstream-listening ${address.port}\n`);
    });
  }
  return listen.apply(this, args);
};
