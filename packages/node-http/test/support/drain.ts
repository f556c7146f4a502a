import type { ServerResponse } from 'node:http';

/** Resolves once `res` drains or closes, or after `ms`: a flooding fake upstream waits with it, and looks at its clock again. */
export function drainOrClose(res: ServerResponse, ms = 250): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('drain', done);
    res.once('close', done);
  });
}
