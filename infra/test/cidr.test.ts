import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatCidr, parseCidr, subnetCidr } from "../src/cidr.js";

describe("cidr", () => {
  it("carves /20 blocks out of a /16 like cidrsubnet", () => {
    assert.equal(subnetCidr("10.0.0.0/16", 4, 0), "10.0.0.0/20");
    assert.equal(subnetCidr("10.0.0.0/16", 4, 1), "10.0.16.0/20");
    assert.equal(subnetCidr("10.0.0.0/16", 4, 8), "10.0.128.0/20");
    assert.equal(subnetCidr("10.20.0.0/16", 4, 10), "10.20.160.0/20");
    assert.equal(subnetCidr("192.168.4.0/24", 4, 15), "192.168.4.240/28");
  });

  it("round-trips addresses, including the top of the range", () => {
    assert.equal(formatCidr(parseCidr("255.255.255.0/24")), "255.255.255.0/24");
    assert.deepEqual(parseCidr("10.0.0.0/16"), { base: 10 * 2 ** 24, prefix: 16 });
  });

  it("rejects malformed ranges and impossible subnets with the reason", () => {
    assert.throws(() => parseCidr("10.0.0/16"), /not an IPv4 CIDR/);
    assert.throws(() => parseCidr("10.0.0.256/24"), /octet above 255/);
    assert.throws(() => parseCidr("10.0.0.0/33"), /prefix above 32/);
    assert.throws(() => parseCidr("10.0.0.1/16"), /host bits set/);
    assert.throws(() => subnetCidr("10.0.0.0/30", 4, 0), /cannot add 4 bits to \/30/);
    assert.throws(() => subnetCidr("10.0.0.0/16", 4, 16), /index 16 does not fit in 4 new bits/);
    assert.throws(() => subnetCidr("10.0.0.0/16", 4, -1), /does not fit/);
  });
});
