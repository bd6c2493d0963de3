import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { newWebhookSecret, webhookHeaders } from "../../src/webhooks/signature";

describe("Standard Webhooks signatures", () => {
  it("signs what the standardwebhooks library verifies", async () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: "message.created", data: { text: "héllo ☃" } });
    const now = Math.floor(Date.now() / 1000);
    const headers = await webhookHeaders(secret, "msg_1", now, body);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("fails verification when the body, id or secret differ", async () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = await webhookHeaders(secret, "msg_1", now, "{}");
    expect(() => new Webhook(secret).verify('{"a":1}', headers)).toThrow();
    expect(() => new Webhook(secret).verify("{}", { ...headers, "webhook-id": "msg_2" })).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify("{}", headers)).toThrow();
  });

  it("refuses a secret without the whsec_ prefix", async () => {
    await expect(webhookHeaders("abc", "id", 1, "{}")).rejects.toThrow(/whsec_/);
  });
});
