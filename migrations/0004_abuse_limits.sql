-- Hand-written (issue 18). Addresses and accounts that logged in successfully: a known device is
-- not locked out by failures on the account key (src/domain/login-throttle.ts).
CREATE TABLE "login_devices" (
	"account" text NOT NULL,
	"address" text NOT NULL,
	"last_success_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "login_devices_account_address_pk" PRIMARY KEY("account","address")
);
--> statement-breakpoint
-- Fixed-window counters for repeatable REST actions (signups per address, rooms and DMs per user):
-- src/domain/action-budget.ts.
CREATE TABLE "action_counts" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone DEFAULT now() NOT NULL,
	"count" integer NOT NULL
);
