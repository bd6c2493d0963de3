/** A fixed VAPID pair for the tests only (the dev script generates a fresh one into .dev.vars). */
export const TEST_VAPID = {
  publicKey: "BBJLaQzCLqcWtI7cFmMSr-WTbwPjFFNTHprRyGpRftlk0p6sZfNFftvuZK8Irsh51RctlYjQg9a_c-9JicnGWe8",
  privateKey: "xDzjR94W-1bzg1IDPbLzTpyGSsEIgtxZ2STGvDMSVSk",
};
