-- Hand-written (issue 22): a claim is confirmed once its message is in PostgreSQL. The file
-- sweeper confirms claims and releases those whose message never arrived (the room stopped
-- between the claim and the append); the partial index keeps that look at unconfirmed claims only.
ALTER TABLE "uploads" ADD COLUMN "confirmed_at" timestamp with time zone;--> statement-breakpoint
UPDATE "uploads" SET "confirmed_at" = "attached_at" WHERE "message_id" IS NOT NULL AND EXISTS (SELECT 1 FROM "messages" WHERE "messages"."id" = "uploads"."message_id");--> statement-breakpoint
CREATE INDEX "uploads_unconfirmed_idx" ON "uploads" USING btree ("attached_at") WHERE "uploads"."message_id" is not null and "uploads"."confirmed_at" is null;
