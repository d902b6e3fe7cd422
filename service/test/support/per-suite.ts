/**
 * A resource that lives as long as the test file, or the describe block, that asks for it: started in
 * a `before` hook and closed in an `after` hook registered where this is called. A suite's header is
 * then one line, `const h = perSuite(() => startHarness("label"))`, instead of a `let`, a before and
 * an after written out again in every file.
 *
 * The object returned is filled in when the `before` hook has run, so it is used inside tests and
 * hooks, not at a file's top level. It must be a plain object (its own properties are what is copied
 * in); a class instance would lose its methods, so it is refused.
 */
import { after, before } from "node:test";

export function perSuite<Resource extends { close(): Promise<void> }>(
  start: () => Promise<Resource>,
): Resource {
  const resource = {} as Resource;
  let started = false;
  before(async () => {
    const value = await start();
    if (Object.getPrototypeOf(value) !== Object.prototype) {
      await value.close();
      throw new TypeError(
        "perSuite: start() must return a plain object (a class instance would lose its methods)",
      );
    }
    Object.assign(resource, value);
    started = true;
  });
  after(async () => {
    // A `before` that failed left nothing to close; its error is the one the run reports.
    if (started) await resource.close();
  });
  return resource;
}
