import { describe, it } from "node:test";
import { dataStoresPrivate, noOpenIngress, tasksWithoutPublicIp } from "../../src/policies/network.js";
import { badDataStores, badOpenIngress, badTasks, good } from "./fixtures/network.js";
import { assertAccepts, assertRejects } from "./rule-fixture.js";

describe("rule data-stores-private", () => {
  it("accepts data stores in private subnets whose groups admit only security groups", () => {
    assertAccepts(dataStoresPrivate, good);
  });
  it("rejects public endpoints, public subnets (by IP mapping or by route), CIDR and prefix-list sources, missing groups", () => {
    assertRejects(dataStoresPrivate, badDataStores);
  });
});

describe("rule no-open-ingress", () => {
  it("accepts an internet-facing ALB open on TCP 80 and 443 and groups that admit groups", () => {
    assertAccepts(noOpenIngress, good);
  });
  it("rejects the internet on other ports, on groups other than an internet-facing ALB's, and on unidentifiable groups", () => {
    assertRejects(noOpenIngress, badOpenIngress);
  });
});

describe("rule tasks-without-public-ip", () => {
  it("accepts services without public IPs in private subnets", () => {
    assertAccepts(tasksWithoutPublicIp, good);
  });
  it("rejects public IPs and public subnets, on services and task sets", () => {
    assertRejects(tasksWithoutPublicIp, badTasks);
  });
});
